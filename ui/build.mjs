// Copy the YASGUI bundle (editor + results viewer, one UMD file and one stylesheet) from
// node_modules into the Python package's static folder, where the Flask app serves it.
//
// Why a copy and not a bundler: YASGUI ships a self-contained minified build that exposes
// `window.Yasgui`; our own code (service/alliance_kg/web/static/ui/app.js) is plain JS loaded
// after it, so there is nothing to compile. The copy is gitignored: it is ~1 MB of minified
// third-party code that `npm ci` reproduces from package-lock.json.
//
// The source map comment is dropped (the map is not copied, and a browser would ask for it).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "node_modules", "@zazuko", "yasgui");
const outDir = join(here, "..", "service", "alliance_kg", "web", "static", "ui", "vendor");
mkdirSync(outDir, { recursive: true });

const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const js = readFileSync(join(pkgDir, "build", "yasgui.min.js"), "utf8")
  .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
writeFileSync(join(outDir, "yasgui.min.js"), js);
const css = readFileSync(join(pkgDir, "build", "yasgui.min.css"), "utf8")
  .replace(/\/\*# sourceMappingURL=\S+ \*\/\s*$/, "");
writeFileSync(join(outDir, "yasgui.min.css"), css);
writeFileSync(join(outDir, "NOTICE.txt"),
  `${pkg.name} ${pkg.version} (${pkg.license} licence), ${pkg.homepage}\n` +
  "Copied from the npm registry by ui/build.mjs; do not edit.\n");
console.log(`ui: copied ${pkg.name} ${pkg.version} into ${outDir}`);
