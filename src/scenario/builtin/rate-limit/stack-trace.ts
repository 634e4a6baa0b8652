// Frames of the runtimes a backend is likely written in. One match is enough: an error body that
// shows a single frame already leaks file paths and library versions.
const STACK_PATTERNS: readonly RegExp[] = [
  /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)\n]*:\d+:\d+\)?/, // V8
  /node:internal\//,
  /Traceback \(most recent call last\)/, // Python
  /\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)/, // JVM
  /goroutine \d+ \[running\]/, // Go panic
  /from \/[^\s:]+\.rb:\d+:in /, // Ruby
  /\bat [\w.<>`]+\(.*\) in [^\n]+:line \d+/, // .NET
];

/** The first line of `text` that looks like a stack frame, or undefined. */
export function findStackTrace(text: string): string | undefined {
  // JSON bodies escape newlines; unescape so frames split into lines either way.
  const plain = text.replace(/\\n/g, '\n');
  for (const pattern of STACK_PATTERNS) {
    const match = pattern.exec(plain);
    if (match) return match[0].trim().slice(0, 200);
  }
  return undefined;
}
