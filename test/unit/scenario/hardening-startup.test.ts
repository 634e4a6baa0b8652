import { describe, expect, it } from 'vitest';
import { judgeVariant, type VariantRun, variants } from '../../../src/scenario/builtin/hardening/startup.ts';

const run = (over: Partial<VariantRun>): VariantRun => ({
  variant: { variable: 'JWT_SECRET', kind: 'placeholder', value: 'changeme' },
  exitCode: 1,
  exitedAfterMs: 200,
  portOpened: false,
  stderr: '{"msg":"invalid configuration","problems":["JWT_SECRET: is a known placeholder"]}',
  ...over,
});

describe('startup variants', () => {
  it('tries each secret missing, empty and with each placeholder', () => {
    const list = variants({ requiredSecrets: ['A', 'B'], placeholders: ['changeme', 'x'], timeoutSec: 10 });
    expect(list.map((v) => `${v.variable}:${v.kind}:${v.value}`)).toEqual([
      'A:missing:undefined',
      'A:empty:',
      'A:placeholder:changeme',
      'A:placeholder:x',
      'B:missing:undefined',
      'B:empty:',
      'B:placeholder:changeme',
      'B:placeholder:x',
    ]);
  });
});

describe('judgeVariant', () => {
  it('accepts a fast non-zero exit naming the variable', () => {
    expect(judgeVariant(run({}), { WEBHOOK_SECRET: 'whsec_realvalue123' })).toEqual([]);
  });

  it('fails a target that starts anyway', () => {
    expect(judgeVariant(run({ portOpened: true, exitCode: null, stderr: '' }), {})).toEqual([
      'JWT_SECRET="changeme": it started anyway and opened its port',
      'JWT_SECRET="changeme": stderr does not name JWT_SECRET',
    ]);
  });

  it('fails exit 0, a hang, and printed values', () => {
    expect(judgeVariant(run({ exitCode: 0 }), {})).toEqual([
      'JWT_SECRET="changeme": it exited 0; a failed start must exit non-zero',
    ]);
    expect(judgeVariant(run({ exitCode: null }), {})).toEqual([
      'JWT_SECRET="changeme": it was still running at the deadline',
    ]);
    const leaky = run({ stderr: 'JWT_SECRET=changeme rejected; env WEBHOOK_SECRET=whsec_realvalue123' });
    expect(judgeVariant(leaky, { WEBHOOK_SECRET: 'whsec_realvalue123' })).toEqual([
      'JWT_SECRET="changeme": stderr contains the rejected value',
      'JWT_SECRET="changeme": stderr contains the value of WEBHOOK_SECRET',
    ]);
  });
});
