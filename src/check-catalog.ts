/**
 * Loads every module that declares a built-in check, so the registry (`run/checks.ts`) is complete:
 * for `docs/checks.md` (`npm run docs`), the HTML report's "about this check" and the registry tests.
 * A module that declares checks and is not reachable from here is caught by
 * `test/unit/check-registry.test.ts` (an id in the source that the registry does not know).
 */
// The engines are imported by a run only when it uses them (engine-registry.ts); here, all of them.
import './contract/engine.ts';
import './scenario/engine.ts';
import './soak/engine.ts';
import './load/engine.ts';
import './index.ts';
import './runner.ts';
import './k6/import.ts';
import './report/baseline/record.ts';

export { checkAnchor, findCheck, registeredChecks } from './run/checks.ts';
