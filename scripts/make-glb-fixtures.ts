/**
 * Writes the 3D model fixtures the tests use (run: node --import tsx scripts/make-glb-fixtures.ts):
 * - test/fixtures/models/pyramid.glb: a valid glTF 2.0 binary, a coloured four-sided pyramid
 *   (positions, normals, indices, one PBR material), checked by the Khronos validator with no errors;
 * - test/fixtures/models/broken.glb: the same file with its JSON chunk cut short (the validator
 *   refuses it), as an upload that must be answered with 422 model_invalid.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pyramidGlb(): Uint8Array {
  // Four triangles on the sides and two for the base, each with its own vertices (flat normals).
  type Vec3 = readonly [number, number, number];
  const apex: Vec3 = [0, 1, 0];
  const base: readonly Vec3[] = [
    [-0.5, 0, -0.5],
    [0.5, 0, -0.5],
    [0.5, 0, 0.5],
    [-0.5, 0, 0.5],
  ];
  const corner = (i: number): Vec3 => base[i % 4] ?? apex;
  const positions: number[] = [];
  const normals: number[] = [];
  const tri = ([ax, ay, az]: Vec3, [bx, by, bz]: Vec3, [cx, cy, cz]: Vec3) => {
    const [ux, uy, uz] = [bx - ax, by - ay, bz - az];
    const [vx, vy, vz] = [cx - ax, cy - ay, cz - az];
    const [nx, ny, nz] = [uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx];
    const len = Math.hypot(nx, ny, nz);
    for (const p of [
      [ax, ay, az],
      [bx, by, bz],
      [cx, cy, cz],
    ]) {
      positions.push(...p);
      normals.push(nx / len, ny / len, nz / len);
    }
  };
  for (let i = 0; i < 4; i++) tri(corner(i + 1), corner(i), apex);
  tri(corner(0), corner(1), corner(2));
  tri(corner(0), corner(2), corner(3));
  const count = positions.length / 3;
  const indices = Array.from({ length: count }, (_, i) => i);
  const pos = new Float32Array(positions);
  const nor = new Float32Array(normals);
  const idx = new Uint16Array(indices);
  const idxBytes = idx.byteLength + ((4 - (idx.byteLength % 4)) % 4);
  const bin = new Uint8Array(pos.byteLength + nor.byteLength + idxBytes);
  bin.set(new Uint8Array(pos.buffer), 0);
  bin.set(new Uint8Array(nor.buffer), pos.byteLength);
  bin.set(new Uint8Array(idx.buffer), pos.byteLength + nor.byteLength);
  const min = [0, 1, 2].map((k) => Math.min(...positions.filter((_, i) => i % 3 === k)));
  const max = [0, 1, 2].map((k) => Math.max(...positions.filter((_, i) => i % 3 === k)));
  const gltf = {
    asset: { version: '2.0', generator: 'storeloom make-glb-fixtures' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0, name: 'Pyramid' }],
    meshes: [{ name: 'Pyramid', primitives: [{ attributes: { POSITION: 0, NORMAL: 1 }, indices: 2, material: 0 }] }],
    materials: [{ name: 'Amber', pbrMetallicRoughness: { baseColorFactor: [0.85, 0.47, 0.02, 1], metallicFactor: 0, roughnessFactor: 0.6 } }],
    buffers: [{ byteLength: bin.byteLength }],
    bufferViews: [
      { buffer: 0, byteOffset: 0, byteLength: pos.byteLength, target: 34962 },
      { buffer: 0, byteOffset: pos.byteLength, byteLength: nor.byteLength, target: 34962 },
      { buffer: 0, byteOffset: pos.byteLength + nor.byteLength, byteLength: idx.byteLength, target: 34963 },
    ],
    accessors: [
      { bufferView: 0, componentType: 5126, count, type: 'VEC3', min, max },
      { bufferView: 1, componentType: 5126, count, type: 'VEC3' },
      { bufferView: 2, componentType: 5123, count, type: 'SCALAR' },
    ],
  };
  let json = new TextEncoder().encode(JSON.stringify(gltf));
  const pad = (4 - (json.byteLength % 4)) % 4;
  if (pad) json = new Uint8Array([...json, ...new Uint8Array(pad).fill(0x20)]);
  const total = 12 + 8 + json.byteLength + 8 + bin.byteLength;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x46546c67, true); // 'glTF'
  dv.setUint32(4, 2, true);
  dv.setUint32(8, total, true);
  dv.setUint32(12, json.byteLength, true);
  dv.setUint32(16, 0x4e4f534a, true); // 'JSON'
  out.set(json, 20);
  const binAt = 20 + json.byteLength;
  dv.setUint32(binAt, bin.byteLength, true);
  dv.setUint32(binAt + 4, 0x004e4942, true); // 'BIN\0'
  out.set(bin, binAt + 8);
  return out;
}

/** A GLB whose header promises more than it holds and whose JSON chunk stops mid-document. */
export function brokenGlb(): Uint8Array {
  const good = pyramidGlb();
  const cut = good.slice(0, 60);
  return cut;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'models');
  writeFileSync(join(dir, 'pyramid.glb'), pyramidGlb());
  writeFileSync(join(dir, 'broken.glb'), brokenGlb());
  console.log('wrote pyramid.glb and broken.glb');
}
