import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a fresh clone gets: `npm start` must find no installed packages in it, nor a link to another checkout. */
describe('the repository', () => {
  test('tracks no node_modules entry (directory or symlink) and no absolute symlink', () => {
    const listed = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    const files = listed.map((line) => {
      const [meta = '', file = ''] = line.split('\t');
      return { mode: meta.split(' ')[0], file };
    });
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter(({ file }) => file.split('/').includes('node_modules')).map(({ file }) => file)).toEqual([]);
    // A symlink is stored as its target: one pointing outside the clone breaks every other machine.
    const links = files.filter(({ mode }) => mode === '120000');
    const absolute = links.filter(({ file }) => path.isAbsolute(execFileSync('git', ['cat-file', '-p', `:${file}`], { cwd: root, encoding: 'utf8' })));
    expect(absolute.map(({ file }) => file)).toEqual([]);
  });

  test('ignores node_modules whether it is a directory or a symlink', () => {
    for (const candidate of ['node_modules', 'client/node_modules', 'server/node_modules']) {
      // `git check-ignore` exits 0 when the path is ignored (it needs not exist; a symlink matches no `dir/` pattern).
      expect(() => execFileSync('git', ['check-ignore', '--no-index', '-q', candidate], { cwd: root })).not.toThrow();
    }
  });
});
