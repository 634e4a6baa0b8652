import { execFile } from 'node:child_process';
import { ShakedownError } from '../../errors.ts';

/** The host-side build step the images need (the reference target's bundle). */
export function runBeforeBuild(
  command: readonly string[] | string,
  cwd: string,
  timeoutMs: number,
  notify: (level: 'info', message: string) => void,
): Promise<void> {
  const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
  if (argv[0] === 'node') argv[0] = process.execPath;
  notify('info', `before the image build: ${typeof command === 'string' ? command : command.join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      argv[0],
      argv.slice(1),
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-20).join('\n');
        reject(
          new ShakedownError(
            'SHK_STACK_START',
            `stack.beforeBuild (${argv.join(' ')}) failed in ${cwd}: ${error.message}\n${output}`,
          ),
        );
      },
    );
  });
}
