import * as path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../infra/project-root.js';

export interface ConsoleAssets {
  js: string;
  css: string;
}

/**
 * The browser's script and styles, bundled once at start by esbuild from npm packages
 * (Chart.js, Pico CSS) and the console's own files: nothing is fetched from a CDN.
 */
export async function bundleAssets(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, 'operator/console/client/console.ts')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outdir: 'console-assets',
    logLevel: 'silent',
    // Pico's icons are small SVGs inside the CSS.
    loader: { '.svg': 'dataurl' },
  });
  const output = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? '';
  return { js: output('.js'), css: output('.css') };
}
