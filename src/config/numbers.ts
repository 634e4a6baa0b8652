import { z } from 'zod';

// Messages in the words the README uses: `soak.sessions: expected a positive integer, got -3`.
export const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
export const nonNegativeInt = z
  .number({ error: 'expected an integer ≥ 0' })
  .int({ error: 'expected an integer ≥ 0' })
  .nonnegative({ error: 'expected an integer ≥ 0' });
export const positiveNumber = z
  .number({ error: 'expected a positive number' })
  .positive({ error: 'expected a positive number' });
