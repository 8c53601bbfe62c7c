// Nu HTML Checker: runs vnu.jar (from the vnu-jar npm package, on the system's `java`) with
// --errors-only --format json over the site's HTML files, a few batches of paths at a time so
// the command line stays short. Async, so it can run on one core while Chromium uses the other.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const MAX_ARG_CHARS = 60_000;

export function vnuJarPath() {
  return String(require('vnu-jar'));
}

function batches(files) {
  const out = [];
  let cur = [];
  let len = 0;
  for (const f of files) {
    if (cur.length > 0 && len + f.length + 1 > MAX_ARG_CHARS) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(f);
    len += f.length + 1;
  }
  if (cur.length) out.push(cur);
  return out;
}

function runJava(args, cwd) {
  return new Promise((resolve) => {
    const java = process.env.JAVA ?? 'java';
    let stdout = '';
    let stderr = '';
    const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr, spawnError: err }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Checks `relFiles` (paths relative to siteDir). Resolves to
 * { byFile: Map<rel, string[]>, fatal: string[], seconds, batchCount }.
 */
export async function runVnu(siteDir, relFiles) {
  const t0 = performance.now();
  const root = path.resolve(siteDir);
  const byFile = new Map(relFiles.map((f) => [f, []]));
  const fatal = [];
  const all = batches(relFiles);
  for (const batch of all) {
    const args = ['-Xss8m', '-jar', vnuJarPath(), '--errors-only', '--exit-zero-always', '--format', 'json', ...batch];
    const res = await runJava(args, root);
    if (res.spawnError) {
      fatal.push(
        `cannot run java (${res.spawnError.code ?? res.spawnError.message}); install a JRE ` +
          '(apt-get install default-jre-headless), see README',
      );
      break;
    }
    let json;
    const text = res.stderr.trim() || res.stdout.trim();
    try {
      json = JSON.parse(text);
    } catch {
      fatal.push(`vnu exited ${res.code} without JSON output:\n${text.slice(-2000)}`);
      continue;
    }
    for (const m of json.messages ?? []) {
      let rel = null;
      if (m.url) {
        try {
          rel = path.relative(root, fileURLToPath(m.url)).split(path.sep).join('/');
        } catch {
          rel = m.url;
        }
      }
      const line = m.firstLine ?? m.lastLine ?? '?';
      const col = m.firstColumn ?? m.lastColumn ?? '?';
      const extract = m.extract ? `  ⟨${m.extract.replace(/\s+/g, ' ').trim().slice(0, 120)}⟩` : '';
      if (m.type === 'error' && rel && byFile.has(rel)) {
        byFile.get(rel).push(`${rel}:${line}:${col}: ${m.message}${extract}`);
      } else if (m.type === 'error' || m.type === 'non-document-error') {
        fatal.push(`${rel ?? '(vnu)'}:${line}:${col}: ${m.type}: ${m.message}`);
      }
    }
  }
  return { byFile, fatal, seconds: (performance.now() - t0) / 1000, batchCount: all.length };
}
