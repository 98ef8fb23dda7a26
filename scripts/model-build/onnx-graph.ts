/**
 * Writes the default model's ONNX graph with onnx-proto (protobufjs): an int8 word table
 * lookup, per-row dequantisation with the SIF weight folded into the scale, and masked
 * mean pooling.
 *
 *   input_ids [B,S] int64 ──Gather(table int8 [V,D])──Cast(float)──┐
 *   input_ids ──Gather(scales [V,1])──┐                             ×──► last_hidden_state [B,S,D]
 *   attention_mask [B,S] ──Cast──Unsqueeze(2)──×─────────────────────┘          │
 *                                              │                   ReduceSum(axis 1)
 *                                    ReduceSum(axis 1), Max(·,1) ──────÷────► sentence_embedding [B,D]
 *
 * last_hidden_state holds each token's SIF-weighted vector (zero at padding), so the
 * transformers.js feature-extraction pipeline with `pooling: 'mean'` computes exactly the
 * SIF sentence embedding (1/|s|) Σ a/(a+p(w)) v(w); sentence_embedding is the same value
 * pooled in-graph for callers that run the session directly.
 */
import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

const FLOAT = 1
const INT8 = 3
const INT64 = 7
const ATTR_INT = 2

export interface SifGraphInput {
  /** Row-major int8 table, vocabSize × dim. */
  table: Int8Array
  /** One float per row: dequantisation scale times SIF weight. */
  scales: Float32Array
  vocabSize: number
  dim: number
  /** Free-form provenance stored in the model's metadata_props (sorted by key). */
  metadata: Record<string, string>
}

function floatBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return out
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true)
  return out
}

function tensorInfo(name: string, elemType: number, dims: (string | number)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  }
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number> = {}) {
  return {
    opType,
    name: `${opType}_${outputs[0]}`,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([name, i]) => ({ name, type: ATTR_INT, i })),
  }
}

export function buildSifGraph(g: SifGraphInput): Uint8Array {
  if (g.table.length !== g.vocabSize * g.dim) throw new Error('table size does not match vocabSize × dim')
  if (g.scales.length !== g.vocabSize) throw new Error('one scale per row expected')

  const initializer = [
    {
      name: 'word_table',
      dataType: INT8,
      dims: [g.vocabSize, g.dim],
      rawData: new Uint8Array(g.table.buffer, g.table.byteOffset, g.table.byteLength),
    },
    { name: 'word_scale', dataType: FLOAT, dims: [g.vocabSize, 1], rawData: floatBytes(g.scales) },
    { name: 'axis_seq', dataType: INT64, dims: [1], rawData: int64Bytes([1]) },
    { name: 'axis_last', dataType: INT64, dims: [1], rawData: int64Bytes([2]) },
    { name: 'one', dataType: FLOAT, dims: [], rawData: floatBytes(Float32Array.of(1)) },
  ]

  const nodes = [
    node('Gather', ['word_table', 'input_ids'], ['token_q'], { axis: 0 }),
    node('Cast', ['token_q'], ['token_f'], { to: FLOAT }),
    node('Gather', ['word_scale', 'input_ids'], ['token_scale'], { axis: 0 }),
    node('Cast', ['attention_mask'], ['mask_f'], { to: FLOAT }),
    node('Unsqueeze', ['mask_f', 'axis_last'], ['mask_3d']),
    node('Mul', ['token_scale', 'mask_3d'], ['token_weight']),
    node('Mul', ['token_f', 'token_weight'], ['last_hidden_state']),
    node('ReduceSum', ['last_hidden_state', 'axis_seq'], ['weighted_sum'], { keepdims: 0 }),
    node('ReduceSum', ['mask_3d', 'axis_seq'], ['token_count'], { keepdims: 0 }),
    node('Max', ['token_count', 'one'], ['token_count_safe']),
    node('Div', ['weighted_sum', 'token_count_safe'], ['sentence_embedding']),
  ]

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'routellm-model-build',
    producerVersion: '1',
    domain: 'ai.routellm',
    modelVersion: 1,
    docString: 'GloVe 6B 100d word lookup with SIF-weighted mean pooling (Arora et al. 2017).',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'glove_sif',
      node: nodes,
      initializer,
      input: [tensorInfo('input_ids', INT64, ['batch_size', 'sequence_length']), tensorInfo('attention_mask', INT64, ['batch_size', 'sequence_length'])],
      output: [
        tensorInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', g.dim]),
        tensorInfo('sentence_embedding', FLOAT, ['batch_size', g.dim]),
      ],
    },
    metadataProps: Object.keys(g.metadata)
      .sort()
      .map((key) => ({ key, value: g.metadata[key]! })),
  })
  return onnx.ModelProto.encode(model).finish()
}
