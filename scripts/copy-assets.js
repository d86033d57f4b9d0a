'use strict';
// Node-RED wants each node's editor .html, its locales and icons beside the compiled .js
// (same basename). tsc only emits .js, so this copies the non-TypeScript files of nodes/
// into dist/nodes/, and the top-level icons/ into dist/nodes/icons/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'nodes');

function copyTree(from, to, filter) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, filter);
    else if (filter(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

copyTree(path.join(root, 'nodes'), out, (name) => !name.endsWith('.ts'));
copyTree(path.join(root, 'icons'), path.join(out, 'icons'), () => true);
