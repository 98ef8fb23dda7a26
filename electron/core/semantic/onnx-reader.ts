/**
 * A reader for the parts of an ONNX model file (protobuf ModelProto) that the word-lookup
 * runtime needs to recognise and run a lookup-and-mean graph: the graph's nodes, inputs,
 * outputs and initializers stored as raw bytes. Initializer bytes are views into the file's
 * buffer, not copies. Anything else in the file is skipped; a malformed file throws.
 *
 * Field numbers are those of onnx.proto (ModelProto.graph = 7, GraphProto.node = 1, ...).
 */

export interface OnnxTensor {
  name: string
  dataType: number
  dims: number[]
  /** The tensor's raw_data: a view into the file, or null when it is stored another way. */
  raw: Uint8Array | null
}
export interface OnnxNode {
  opType: string
  domain: string
  inputs: string[]
  outputs: string[]
  /** Integer attributes by name (other attribute kinds are recorded as NaN). */
  attributes: Record<string, number>
}
export interface OnnxGraph {
  nodes: OnnxNode[]
  initializers: OnnxTensor[]
  inputs: string[]
  outputs: string[]
  /** True when the graph uses something this reader does not represent (subgraphs, sparse or external initializers). */
  unsupported: boolean
}

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1
export const ONNX_INT8 = 3
export const ONNX_INT64 = 7

const VARINT = 0
const FIXED64 = 1
const BYTES = 2
const FIXED32 = 5

/** One protobuf message, read field by field. */
class Reader {
  private pos: number
  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  /** An unsigned or two's-complement 64-bit varint as a number (exact up to 2^53). */
  varint(): number {
    let lo = 0
    let hi = 0
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++]!
      if (shift < 28) lo |= (b & 0x7f) << shift
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28
        hi |= (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (shift - 32)
      if (b < 0x80) return hi & 0x80000000 ? (hi | 0) * 2 ** 32 + (lo >>> 0) : (hi >>> 0) * 2 ** 32 + (lo >>> 0)
    }
    throw new Error('varint longer than 10 bytes')
  }

  /** The next field's number and wire type, or null at the end of the message. */
  key(): { field: number; wire: number } | null {
    if (this.done) return null
    const k = this.varint()
    return { field: Math.floor(k / 8), wire: k % 8 }
  }

  bytes(): Uint8Array {
    const length = this.varint()
    if (length < 0 || this.pos + length > this.end) throw new Error('length-delimited field runs past its message')
    const view = this.buf.subarray(this.pos, this.pos + length)
    this.pos += length
    return view
  }

  sub(): Reader {
    const view = this.bytes()
    return new Reader(this.buf, view.byteOffset - this.buf.byteOffset, view.byteOffset - this.buf.byteOffset + view.length)
  }

  string(): string {
    return decoder.decode(this.bytes())
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint()
    else if (wire === FIXED64) this.pos += 8
    else if (wire === BYTES) this.bytes()
    else if (wire === FIXED32) this.pos += 4
    else throw new Error(`unsupported protobuf wire type ${wire}`)
    if (this.pos > this.end) throw new Error('field runs past its message')
  }
}

const decoder = new TextDecoder()

function readTensor(r: Reader): OnnxTensor & { external: boolean } {
  const t: OnnxTensor & { external: boolean } = { name: '', dataType: 0, dims: [], raw: null, external: false }
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === VARINT) t.dims.push(r.varint())
    else if (k.field === 1 && k.wire === BYTES) {
      const packed = r.sub()
      while (!packed.done) t.dims.push(packed.varint())
    } else if (k.field === 2 && k.wire === VARINT) t.dataType = r.varint()
    else if (k.field === 8 && k.wire === BYTES) t.name = r.string()
    else if (k.field === 9 && k.wire === BYTES) t.raw = r.bytes()
    else if (k.field === 13 && k.wire === BYTES) {
      t.external = true
      r.skip(k.wire)
    } else r.skip(k.wire)
  }
  return t
}

function readNode(r: Reader): OnnxNode & { subgraph: boolean } {
  const n: OnnxNode & { subgraph: boolean } = { opType: '', domain: '', inputs: [], outputs: [], attributes: {}, subgraph: false }
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === BYTES) n.inputs.push(r.string())
    else if (k.field === 2 && k.wire === BYTES) n.outputs.push(r.string())
    else if (k.field === 4 && k.wire === BYTES) n.opType = r.string()
    else if (k.field === 7 && k.wire === BYTES) n.domain = r.string()
    else if (k.field === 5 && k.wire === BYTES) {
      const a = r.sub()
      let name = ''
      let value = Number.NaN
      for (let ak = a.key(); ak; ak = a.key()) {
        if (ak.field === 1 && ak.wire === BYTES) name = a.string()
        else if (ak.field === 3 && ak.wire === VARINT) value = a.varint()
        else {
          // AttributeProto.g / graphs (6, 11): a subgraph, which this reader does not follow.
          if (ak.field === 6 || ak.field === 11) n.subgraph = true
          a.skip(ak.wire)
        }
      }
      n.attributes[name] = value
    } else r.skip(k.wire)
  }
  return n
}

/** The name of a ValueInfoProto (graph input or output). */
function readValueName(r: Reader): string {
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === BYTES) return r.string()
    r.skip(k.wire)
  }
  return ''
}

/** The main graph of an ONNX model file; throws when the bytes are not a well-formed ModelProto with a graph. */
export function readOnnxGraph(file: Uint8Array): OnnxGraph {
  const model = new Reader(file)
  let graph: Reader | null = null
  for (let k = model.key(); k; k = model.key()) {
    if (k.field === 7 && k.wire === BYTES) graph = model.sub()
    else model.skip(k.wire)
  }
  if (!graph) throw new Error('the ONNX model has no graph')
  const g: OnnxGraph = { nodes: [], initializers: [], inputs: [], outputs: [], unsupported: false }
  for (let k = graph.key(); k; k = graph.key()) {
    if (k.field === 1 && k.wire === BYTES) {
      const node = readNode(graph.sub())
      if (node.subgraph) g.unsupported = true
      g.nodes.push(node)
    } else if (k.field === 5 && k.wire === BYTES) {
      const tensor = readTensor(graph.sub())
      if (tensor.external) g.unsupported = true
      g.initializers.push({ name: tensor.name, dataType: tensor.dataType, dims: tensor.dims, raw: tensor.raw })
    } else if (k.field === 11 && k.wire === BYTES) g.inputs.push(readValueName(graph.sub()))
    else if (k.field === 12 && k.wire === BYTES) g.outputs.push(readValueName(graph.sub()))
    else if (k.field === 15) {
      g.unsupported = true
      graph.skip(k.wire)
    } else graph.skip(k.wire)
  }
  return g
}
