import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface Opener {
  command: string;
  args: string[];
}

/**
 * Opens the report in the default browser where there is one: `$BROWSER` (the usual convention: a
 * command, `%s` standing for the URL), else `open` / `start` / `xdg-open`. Never fails the command:
 * without a browser it says where the file is.
 */
export async function openInBrowser(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = pathToFileURL(file).href;
  const opener = findOpener(url, env, process.platform);
  if (!opener) return `no browser found (set BROWSER or install xdg-utils); open ${url} yourself.`;
  return new Promise((resolve) => {
    const child = spawn(opener.command, opener.args, { detached: true, stdio: 'ignore', env });
    child.once('error', (error) =>
      resolve(`could not start ${opener.command} (${error.message}); open ${url} yourself.`),
    );
    child.once('spawn', () => {
      child.unref();
      resolve(`opened ${url} with ${opener.command}`);
    });
  });
}

function findOpener(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Opener | null {
  const browser = env.BROWSER?.split(':').find((entry) => entry.trim() !== '');
  if (browser) {
    const [command, ...rest] = browser.trim().split(/\s+/);
    const args = rest.some((a) => a.includes('%s'))
      ? rest.map((a) => a.replaceAll('%s', url))
      : [...rest, url];
    return { command, args };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return onPath('xdg-open', env) ? { command: 'xdg-open', args: [url] } : null;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
