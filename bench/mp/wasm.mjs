// Runs a MicroPython script on the WebAssembly port (32-bit) under Node.js,
// with a directory deployed as `make flash` does mounted at /lib:
//   node bench/mp/wasm.mjs PACKAGE_DIR DEPLOYED_DIR SCRIPT.py
// This port has no socket or network module: empty stand-ins are put first
// on sys.path, enough for imports (nothing here opens a socket).
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [pkg, deployed, script] = process.argv.slice(2);
const { loadMicroPython } = await import(
  pathToFileURL(path.join(pkg, "micropython.mjs")).href);
const mp = await loadMicroPython({ heapsize: 64 * 1024, stdout: (line) => console.log(line) });

function copyTree(src, dst) {
  try { mp.FS.mkdir(dst); } catch (e) { /* exists */ }
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name);
    if (fs.statSync(s).isDirectory()) copyTree(s, dst + "/" + name);
    else mp.FS.writeFile(dst + "/" + name, fs.readFileSync(s));
  }
}
copyTree(path.join(deployed, "lib"), "/lib");
mp.FS.mkdir("/stubs");
for (const name of ["socket", "network"]) mp.FS.writeFile("/stubs/" + name + ".py", "");
mp.runPython("import sys\nsys.path[:0] = ['/stubs', '/lib']\n" + fs.readFileSync(script, "utf8"));
