import { readFile } from 'node:fs/promises'
import path from 'node:path'
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lookupTableFrom, type LookupTable } from './lookup-graph'
import { defaultModelsRoot } from './models'
import { DEFAULT_MODEL_ID } from './settings'
import { buildSifGraph } from '../../../scripts/model-build/onnx-graph'

const modelFile = path.join(defaultModelsRoot(), DEFAULT_MODEL_ID, 'onnx', 'model.onnx')

/** The same bytes with one ASCII string replaced by another of the same length everywhere (protobuf lengths stay valid). */
function renamed(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const out = Buffer.from(bytes)
  const a = Buffer.from(from)
  for (let i = out.indexOf(a); i !== -1; i = out.indexOf(a, i + 1)) out.write(to, i)
  return out
}

/** onnxruntime's sentence_embedding for the same token ids (rows padded and masked as the ONNX path does). */
async function reference(session: ort.InferenceSession, encoded: Int32Array[]): Promise<Float32Array> {
  const width = Math.max(1, ...encoded.map((e) => e.length))
  const ids = new BigInt64Array(encoded.length * width)
  const mask = new BigInt64Array(encoded.length * width)
  encoded.forEach((e, row) =>
    e.forEach((id, i) => {
      ids[row * width + i] = BigInt(id)
      mask[row * width + i] = 1n
    }),
  )
  const shape = [encoded.length, width]
  const out = await session.run({ input_ids: new ort.Tensor('int64', ids, shape), attention_mask: new ort.Tensor('int64', mask, shape) })
  return out['sentence_embedding']!.data as Float32Array
}

describe('lookup-and-mean graph in JavaScript', () => {
  let bytes: Uint8Array
  let table: LookupTable
  let session: ort.InferenceSession
  beforeAll(async () => {
    bytes = await readFile(modelFile)
    table = lookupTableFrom(bytes)!
    session = await ort.InferenceSession.create(modelFile)
  })
  afterAll(async () => {
    await session?.release()
  })

  it('recognises the bundled model and reads its table', () => {
    expect(table).not.toBeNull()
    expect(table.vocabSize).toBe(150_003)
    expect(table.dims).toBe(100)
  })

  it('pools every row of the table as onnxruntime does', async () => {
    // Every word of the vocabulary once, in texts of up to 300 ids, several words repeated.
    const texts: Int32Array[] = []
    for (let start = 0; start < table.vocabSize; start += 300) {
      const ids = Int32Array.from({ length: Math.min(300, table.vocabSize - start) }, (_, i) => start + i)
      texts.push(ids)
    }
    texts.push(Int32Array.of(7, 7, 7, 1, 0, 150_002))
    const expected: Float32Array[] = []
    for (let i = 0; i < texts.length; i += 64) expected.push(await reference(session, texts.slice(i, i + 64)))
    const want = Float32Array.from(expected.flatMap((e) => Array.from(e)))
    const got = table.pool(texts)
    expect(got.length).toBe(want.length)
    let worst = 0
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1e-3, Math.abs(want[i]!)))
    expect(worst).toBeLessThan(1e-4)
  })

  it('pools a text without tokens to a zero row, as the masked pad does', async () => {
    const got = table.pool([new Int32Array(0), Int32Array.of(42)])
    expect(Array.from(got.subarray(0, 100)).every((x) => x === 0)).toBe(true)
    const want = await reference(session, [Int32Array.of(42)])
    for (let j = 0; j < 100; j++) expect(got[100 + j]).toBeCloseTo(want[j]!, 6)
  })

  it('refuses a token id outside the table', () => {
    expect(() => table.pool([Int32Array.of(table.vocabSize)])).toThrow(/outside the model's table/)
    expect(() => table.pool([Int32Array.of(-1)])).toThrow(/outside the model's table/)
  })

  it('pools rows whose width is not a multiple of four as onnxruntime does', async () => {
    const vocabSize = 6
    const dim = 7
    const bytes = buildSifGraph({
      table: Int8Array.from({ length: vocabSize * dim }, (_, i) => ((i * 37) % 255) - 127),
      scales: Float32Array.from({ length: vocabSize }, (_, i) => 0.01 * (i + 1)),
      vocabSize,
      dim,
      metadata: {},
    })
    const small = lookupTableFrom(bytes)!
    expect(small.dims).toBe(dim)
    const texts = [Int32Array.of(0, 1, 2, 3, 4, 5), Int32Array.of(5, 5), Int32Array.of(3)]
    const onOrt = await ort.InferenceSession.create(bytes)
    const want = await reference(onOrt, texts)
    await onOrt.release()
    const got = small.pool(texts)
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5)
  })

  it('leaves any other graph to onnxruntime', () => {
    // The same computation with a renamed intermediate, a different floor, another reduction axis, or another op.
    expect(lookupTableFrom(renamed(bytes, 'token_count_safe', 'token_count_safX'))).toBeNull()
    expect(lookupTableFrom(renamed(bytes, 'ReduceSum', 'ReduceMax'))).toBeNull()
    expect(lookupTableFrom(renamed(bytes, 'word_scale', 'word_scalf'))).toBeNull()
  })
})

describe('reading the graph', () => {
  const { onnx } = onnxProto
  const vocabSize = 5
  const dim = 4
  const small = () =>
    buildSifGraph({
      table: Int8Array.from({ length: vocabSize * dim }, (_, i) => i + 1),
      scales: Float32Array.from({ length: vocabSize }, () => 1),
      vocabSize,
      dim,
      metadata: {},
    })
  /** The small model decoded, changed by `edit`, and encoded again. */
  const edited = (edit: (g: onnxProto.onnx.GraphProto) => void) => {
    const model = onnx.ModelProto.decode(small())
    edit(model.graph as onnxProto.onnx.GraphProto)
    return onnx.ModelProto.encode(model).finish()
  }

  it('holds the bundled model: the lookup-and-mean nodes in order, its inputs, outputs and a raw int8 table', async () => {
    const g = onnx.ModelProto.decode(await readFile(modelFile)).graph!
    expect(g.node!.map((n) => n.opType)).toEqual(['Gather', 'Cast', 'Gather', 'Cast', 'Unsqueeze', 'Mul', 'Mul', 'ReduceSum', 'ReduceSum', 'Max', 'Div'])
    expect(g.input!.map((v) => v.name)).toEqual(['input_ids', 'attention_mask'])
    expect(g.output!.map((v) => v.name)).toEqual(['last_hidden_state', 'sentence_embedding'])
    const table = g.initializer!.find((t) => t.name === 'word_table')!
    expect(table.dims!.map(Number)).toEqual([150_003, 100])
    expect(table.rawData!.byteLength).toBe(15_000_300)
  })

  it('keeps the table a view into the file buffer, not a copy', () => {
    for (const bytes of [small(), Buffer.from(small())]) {
      const table = lookupTableFrom(bytes)!
      const before = table.pool([Int32Array.of(0)])
      // The first row (1, 2, 3, 4) sits in the file as raw bytes; change it there, after the table was made.
      const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]))
      bytes[at] = 100
      expect(Array.from(before)).toEqual([1, 2, 3, 4])
      expect(Array.from(table.pool([Int32Array.of(0)]))).toEqual([100, 2, 3, 4])
    }
  })

  it('leaves graphs with parts it does not follow to onnxruntime', () => {
    expect(lookupTableFrom(small())).not.toBeNull()
    // A subgraph attribute, external table data, a sparse initializer, the Gather axis typed as a float,
    // a table stored as typed values instead of raw bytes.
    const withSubgraph = edited((g) =>
      g.node[4]!.attribute!.push(onnx.AttributeProto.create({ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: 'sub' } })),
    )
    const external = edited((g) => (g.initializer[0]!.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL))
    const sparse = edited((g) => g.sparseInitializer.push(onnx.SparseTensorProto.create({ values: { name: 'v', dataType: 1 } })))
    const floatAttribute = edited((g) => (g.node[0]!.attribute![0]!.type = onnx.AttributeProto.AttributeType.FLOAT))
    const typedTable = edited((g) => {
      const t = g.initializer[0]!
      t.int32Data = Array.from(t.rawData!)
      delete (t as { rawData?: Uint8Array }).rawData
    })
    for (const bytes of [withSubgraph, external, sparse, floatAttribute, typedTable]) expect(lookupTableFrom(bytes)).toBeNull()
  })

  it('throws on a truncated file or one without a graph', async () => {
    const bytes = await readFile(modelFile)
    expect(() => lookupTableFrom(bytes.subarray(0, 1000))).toThrow()
    expect(() => lookupTableFrom(Uint8Array.of(0x08, 0x08))).toThrow(/no graph/)
  })
})
