/**
 * The word-lookup graph that scripts/model-build writes (the bundled GloVe+SIF model), run in
 * plain JavaScript: each token's int8 row times its float scale, summed over the unmasked
 * positions and divided by their count (at least 1).
 *
 * The graph is recognised node by node; any other graph is left to onnxruntime. Running it
 * here keeps onnxruntime-node out of the process (its library, session and allocations cost
 * ~55 MiB of resident memory for a 15 MB table) and the call synchronous (no thread-pool hop
 * per embedding). The table stays a view into the model file's buffer: one copy.
 */
import { ONNX_FLOAT, ONNX_INT64, ONNX_INT8, readOnnxGraph, type OnnxGraph, type OnnxTensor } from './onnx-reader'

export interface LookupTable {
  readonly vocabSize: number
  readonly dims: number
  /** Mean of the tokens' scaled rows, one row of `dims` per text: [texts.length * dims]. */
  pool(encoded: readonly Int32Array[]): Float32Array
}

// The graph, as [opType, inputs, outputs, integer attributes]: see scripts/model-build/onnx-graph.ts.
const LOOKUP_MEAN: ReadonlyArray<readonly [string, string[], string[], Record<string, number>]> = [
  ['Gather', ['word_table', 'input_ids'], ['token_q'], { axis: 0 }],
  ['Cast', ['token_q'], ['token_f'], { to: ONNX_FLOAT }],
  ['Gather', ['word_scale', 'input_ids'], ['token_scale'], { axis: 0 }],
  ['Cast', ['attention_mask'], ['mask_f'], { to: ONNX_FLOAT }],
  ['Unsqueeze', ['mask_f', 'axis_last'], ['mask_3d'], {}],
  ['Mul', ['token_scale', 'mask_3d'], ['token_weight'], {}],
  ['Mul', ['token_f', 'token_weight'], ['last_hidden_state'], {}],
  ['ReduceSum', ['last_hidden_state', 'axis_seq'], ['weighted_sum'], { keepdims: 0 }],
  ['ReduceSum', ['mask_3d', 'axis_seq'], ['token_count'], { keepdims: 0 }],
  ['Max', ['token_count', 'one'], ['token_count_safe'], {}],
  ['Div', ['weighted_sum', 'token_count_safe'], ['sentence_embedding'], {}],
]

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

function matchesLookupMean(g: OnnxGraph): boolean {
  return (
    !g.unsupported &&
    g.nodes.length === LOOKUP_MEAN.length &&
    g.nodes.every((n, i) => {
      const [op, inputs, outputs, attrs] = LOOKUP_MEAN[i]!
      const names = Object.keys(n.attributes)
      return (
        n.opType === op &&
        (n.domain === '' || n.domain === 'ai.onnx') &&
        sameList(n.inputs, inputs) &&
        sameList(n.outputs, outputs) &&
        names.length === Object.keys(attrs).length &&
        names.every((k) => n.attributes[k] === attrs[k])
      )
    }) &&
    sameList([...g.inputs].sort(), ['attention_mask', 'input_ids'])
  )
}

/** A little-endian copy of a raw tensor's values (raw bytes need not be aligned for a typed view). */
function floats(t: OnnxTensor): Float32Array {
  const raw = t.raw!
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const out = new Float32Array(raw.byteLength / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}
function int64s(t: OnnxTensor): number[] {
  const raw = t.raw!
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
}

/** The lookup table of an ONNX model file, or null when its graph is not the lookup-and-mean one. */
export function lookupTableFrom(file: Uint8Array): LookupTable | null {
  const g = readOnnxGraph(file)
  if (!matchesLookupMean(g) || !g.outputs.includes('sentence_embedding')) return null
  const init = new Map(g.initializers.map((t) => [t.name, t]))
  const table = init.get('word_table')
  const scale = init.get('word_scale')
  const axisSeq = init.get('axis_seq')
  const axisLast = init.get('axis_last')
  const one = init.get('one')
  if (!table?.raw || !scale?.raw || !axisSeq?.raw || !axisLast?.raw || !one?.raw) return null
  if (table.dataType !== ONNX_INT8 || table.dims.length !== 2) return null
  const [vocabSize, dims] = table.dims as [number, number]
  if (table.raw.byteLength !== vocabSize * dims) return null
  if (scale.dataType !== ONNX_FLOAT || !sameList(scale.dims.map(String), [String(vocabSize), '1']) || scale.raw.byteLength !== vocabSize * 4) return null
  // The reductions are over the sequence axis of [batch, sequence, dims], the mask gets a trailing axis, the floor is 1.
  if (axisSeq.dataType !== ONNX_INT64 || !sameList(int64s(axisSeq).map(String), ['1'])) return null
  if (axisLast.dataType !== ONNX_INT64 || !sameList(int64s(axisLast).map(String), ['2'])) return null
  if (one.dataType !== ONNX_FLOAT || one.dims.length !== 0 || floats(one)[0] !== 1) return null

  const rows = new Int8Array(table.raw.buffer, table.raw.byteOffset, table.raw.byteLength)
  const scales = floats(scale)
  const sum = new Float64Array(dims)
  // The inner loop is unrolled by four: twice as fast as the plain loop on V8 for 100 dims.
  const body = dims - (dims % 4)
  return {
    vocabSize,
    dims,
    pool(encoded) {
      const out = new Float32Array(encoded.length * dims)
      for (let row = 0; row < encoded.length; row++) {
        const ids = encoded[row]!
        sum.fill(0)
        // The sum does not depend on order: sorted, a word that occurs n times is one row times n × its scale.
        const sorted = ids.slice().sort()
        for (let k = 0; k < sorted.length;) {
          const id = sorted[k]!
          let times = 1
          while (sorted[k + times] === id) times++
          k += times
          if (id < 0 || id >= vocabSize) throw new Error(`token id ${id} is outside the model's table of ${vocabSize} rows`)
          const s = scales[id]! * times
          let p = id * dims
          let j = 0
          for (; j < body; j += 4, p += 4) {
            sum[j]! += rows[p]! * s
            sum[j + 1]! += rows[p + 1]! * s
            sum[j + 2]! += rows[p + 2]! * s
            sum[j + 3]! += rows[p + 3]! * s
          }
          for (; j < dims; j++, p++) sum[j]! += rows[p]! * s
        }
        const count = Math.max(1, ids.length)
        for (let j = 0; j < dims; j++) out[row * dims + j] = sum[j]! / count
      }
      return out
    },
  }
}
