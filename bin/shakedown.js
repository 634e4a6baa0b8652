#!/usr/bin/env node
// Shakedown runs its TypeScript sources directly with Node's type stripping (Node >= 22.18).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `shakedown needs Node >= 22.18 (this is ${process.version}). Run it through npm (npx shakedown, npm test), ` +
      'which uses the Node 24 the project installs, or install a newer Node.\n',
  );
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
