#!/usr/bin/env node
/* global console, process */
// Completes the built console's <link rel="modulepreload"> list. Angular's builder preloads at most 10 of the
// initial chunks; the others (e.g. the 240 KB framework chunk) are only found once the chunks importing them have
// been fetched and parsed: an extra serial round trip before the app starts. This adds a preload for every chunk
// that main-*.js imports statically, directly or through other chunks (dynamic `import()`s of lazy pages are left
// alone). Idempotent. Usage: node complete-modulepreload.mjs [browser-dir] (default dist/console/browser).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Static `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"` of a minified ES module. */
const STATIC_IMPORT = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{},\s]*?\s*from\s*)?["']\.\/([\w.-]+\.js)["']/g;

/** Chunk file names `source` imports statically. */
export function staticImports(source) {
  return [...source.matchAll(STATIC_IMPORT)].map((m) => m[1]);
}

/**
 * The index.html with a modulepreload link for every chunk reachable from its module entry scripts through static
 * imports, added after the links already there.
 * @returns `{ html, added }`: the new text and the file names added.
 * @throws Error when index.html has no module script or a chunk it names cannot be read.
 */
export function completePreloads(html, readChunk) {
  const entries = [...html.matchAll(/<script src="([\w.-]+\.js)" type="module"><\/script>/g)].map((m) => m[1]);
  if (entries.length === 0) throw new Error('index.html has no <script type="module">');
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([\w.-]+\.js)">/g)].map((m) => m[1]));
  const seen = new Set(entries);
  const queue = [...entries];
  const added = [];
  while (queue.length > 0) {
    for (const dep of staticImports(readChunk(queue.shift()))) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      queue.push(dep);
      if (!preloaded.has(dep)) added.push(dep);
    }
  }
  if (added.length === 0) return { html, added };
  const links = added.map((f) => `<link rel="modulepreload" href="${f}">`).join('');
  const at = html.indexOf(`<script src="${entries[0]}"`);
  const firstScript = html.lastIndexOf('<script', at);
  return { html: html.slice(0, firstScript) + links + html.slice(firstScript), added };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'dist/console/browser';
  const file = join(dir, 'index.html');
  try {
    const { html, added } = completePreloads(readFileSync(file, 'utf8'), (f) => readFileSync(join(dir, f), 'utf8'));
    writeFileSync(file, html);
    console.log(
      `modulepreload: ${added.length} chunk(s) added to ${file}${added.length ? `: ${added.join(', ')}` : ''}`,
    );
  } catch (e) {
    console.error(`complete-modulepreload: ${e.message}`);
    process.exit(1);
  }
}
