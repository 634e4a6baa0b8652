import { execFileSync } from 'node:child_process';

// Projects still up, removed by force if the harness exits without stopping them (crash, second Ctrl-C).
const liveProjects = new Set<string>();
process.once('exit', () => {
  for (const project of liveProjects) removeProjectNow(project);
});

/** The project is up (or coming up): remove it by force if the harness exits before `removeProject`. */
export function markLive(project: string): void {
  liveProjects.add(project);
}

/** Force-removes every container of the project, now. */
export function removeProject(project: string): void {
  removeProjectNow(project);
  liveProjects.delete(project);
}

/** Synchronous, for exit handlers: force-removes every container of the project. */
function removeProjectNow(project: string): void {
  try {
    const ids = execFileSync(
      'docker',
      ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    )
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0)
      execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Docker went away: nothing more can be done from here.
  }
}
