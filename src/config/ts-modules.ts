import module from 'node:module';

let enabled = false;

/**
 * Lets a user's `.ts` files (config, scenarios, soak scripts, contract hooks) use `import`/`export`
 * whatever their package.json says. `npm init -y` writes `"type": "commonjs"`, under which Node
 * strips the types of a `.ts` file and then runs it as CommonJS, failing on the first `import`
 * (`Cannot use import statement outside a module`). Outside node_modules, a `.ts` file Node would run
 * as CommonJS is run as an ES module instead; `.cts` files keep their CommonJS meaning. Idempotent,
 * and per thread (soak workers call it too, through the script loader).
 */
export function enableTypeScriptModules(): void {
  if (enabled) return;
  enabled = true;
  const register = (module as { registerHooks?: typeof module.registerHooks }).registerHooks;
  if (typeof register !== 'function') return;
  register({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      // `commonjs-typescript` under "type": "commonjs"; no format at all (Node would guess, and warn)
      // in a package.json without "type".
      if (
        (resolved.format === 'commonjs-typescript' || resolved.format == null) &&
        resolved.url.startsWith('file:') &&
        resolved.url.endsWith('.ts') &&
        !resolved.url.includes('/node_modules/')
      ) {
        return { ...resolved, format: 'module-typescript' };
      }
      return resolved;
    },
  });
}

/**
 * From the sources (this repository), `import ... from 'shakedown'` in the repository's own configs,
 * scenarios and soak scripts resolves to the sources, through the package's "shakedown-source" export
 * condition. Module hooks are per thread: bin/shakedown.js calls this on the main thread, each soak
 * worker on its own.
 */
export function useSourceCondition(): void {
  module.registerHooks({
    resolve: (specifier, context, next) =>
      next(specifier, { ...context, conditions: [...context.conditions, 'shakedown-source'] }),
  });
}
