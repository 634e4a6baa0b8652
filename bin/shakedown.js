#!/usr/bin/env node
// The CLI launcher. In the published package it runs the build (dist/); in a checkout of the repository
// it runs the TypeScript sources directly (Node's type stripping), so no build is needed there.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `shakedown needs Node.js >= 22.18, but it was started with Node.js ${process.version} ` +
      `(${process.execPath}).\nInstall Node.js 22.18 or newer (https://nodejs.org, or nvm/fnm/volta) ` +
      'and put it first on PATH.\n',
  );
  process.exit(2);
}
const { existsSync } = await import('node:fs');
const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  // `import ... from 'shakedown'` in the repository's own config, scenarios and soak scripts resolves to the sources.
  const { useSourceCondition } = await import('../src/config/ts-modules.ts');
  useSourceCondition();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
