// Known-answer CIDs from the reference JS IPFS/IPLD implementations.
//
// natrium-cid's tests compare their own CIDs with the values this script prints
// (recorded in crates/natrium-cid/tests/data/known.json, re-derived by the
// `reference_implementation_agrees` test whenever node_modules is installed).
//
//   cd tests/cid-reference && npm ci && node reference.mjs > ../../crates/natrium-cid/tests/data/known.json
//   node reference.mjs car FILE.car      verify a CAR file: print its roots and hash-check every block
//   node reference.mjs dir-car FILE.car  write a UnixFS directory (a.txt, sub/b.bin) as a CAR, print its CIDs
//
// The importer options are ipfs-unixfs-importer's defaults, which are those of
// `ipfs add --cid-version=1 --raw-leaves`: fixed 262144-byte chunks, raw leaves,
// a balanced DAG of at most 174 links per dag-pb node, sha2-256.
import { importer } from 'ipfs-unixfs-importer'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as raw from 'multiformats/codecs/raw'
import { CarReader, CarWriter } from '@ipld/car'
import fs from 'node:fs'

// The deterministic pattern of the tests: byte i is i mod 251.
function pattern (len) {
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = i % 251
  return out
}

async function fileCid (bytes) {
  const blockstore = new MemoryBlockstore()
  const options = { cidVersion: 1, rawLeaves: true, chunker: undefined }
  let last
  for await (const entry of importer([{ content: bytes }], blockstore, options)) last = entry
  return last.cid.toString()
}

async function blockCid (codec, value) {
  const bytes = codec.encode(value)
  return CID.create(1, codec.code, await sha256.digest(bytes)).toString()
}

async function known () {
  const KiB = 1024
  const MiB = 1024 * KiB
  const sizes = { empty: 0, one_byte: 1, chunk_minus_one: 256 * KiB - 1, chunk: 256 * KiB, chunk_plus_one: 256 * KiB + 1, one_mib: MiB, ten_mib: 10 * MiB, leaves_175: 175 * 256 * KiB, hundred_mib: 100 * MiB }
  const files = {}
  files.hello_world = await fileCid(new TextEncoder().encode('hello world\n'))
  for (const [name, size] of Object.entries(sizes)) files[name] = await fileCid(pattern(size))
  // A nested document: named links to the hello-world file and to a child document.
  const hello = CID.parse(files.hello_world)
  const child = { name: 'child1', links: [{ name: 'leaf', cid: hello }], size: 12 }
  const childCbor = CID.parse(await blockCid(dagCbor, child))
  const root = { name: 'root', links: [{ name: 'child1', cid: childCbor }], tags: ['a', 'b'], n: -3 }
  const docs = {
    child_cbor: childCbor.toString(),
    root_cbor: await blockCid(dagCbor, root),
    child_json: await blockCid(dagJson, child),
    raw_abc: await blockCid(raw, new TextEncoder().encode('abc'))
  }
  return { pattern: 'byte i = i mod 251', sizes, files, docs }
}

async function verifyCar (path) {
  const reader = await CarReader.fromBytes(fs.readFileSync(path))
  const roots = (await reader.getRoots()).map(String)
  let blocks = 0
  for await (const { cid, bytes } of reader.blocks()) {
    const digest = await sha256.digest(bytes)
    if (!equal(digest.digest, cid.multihash.digest)) throw new Error(`block ${cid} does not hash to its CID`)
    blocks++
  }
  return { roots, blocks }
}

function equal (a, b) { return a.length === b.length && a.every((x, i) => x === b[i]) }

// A directory as `ipfs add -r --cid-version=1 --raw-leaves` builds it, every
// block written to a CAR in the importer's order (leaves first, root last).
async function dirCar (path) {
  // MemoryBlockstore keys by multihash and lists raw-codec CIDs back: keep
  // the CIDs the importer put, codec included.
  const blockstore = new MemoryBlockstore()
  const put = blockstore.put.bind(blockstore)
  const written = []
  blockstore.put = async (cid, bytes, options) => { written.push({ cid, bytes }); return put(cid, bytes, options) }
  const files = [
    { path: 'dir/a.txt', content: new TextEncoder().encode('hello world\n') },
    { path: 'dir/sub/b.bin', content: pattern(300000) }
  ]
  const entries = {}
  for await (const entry of importer(files, blockstore, { cidVersion: 1, rawLeaves: true })) entries[entry.path] = entry.cid.toString()
  const root = CID.parse(entries.dir)
  const { writer, out } = CarWriter.create([root])
  const chunks = []
  const collect = (async () => { for await (const chunk of out) chunks.push(chunk) })()
  for (const block of written) await writer.put(block)
  await writer.close()
  await collect
  fs.writeFileSync(path, Buffer.concat(chunks))
  return entries
}

const mode = process.argv[2]
const result = mode === 'car' ? await verifyCar(process.argv[3]) : mode === 'dir-car' ? await dirCar(process.argv[3]) : await known()
console.log(JSON.stringify(result, null, 2))
