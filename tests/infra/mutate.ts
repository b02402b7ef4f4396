// Test support: a copy of the infra sources with one exact edit, failing loudly if the text to edit
// is not there exactly once (so a template change cannot turn a "catches" test into a silent pass).
import type { InfraSources } from "./bicep-check";

export interface Edit {
  file: string;
  find: string;
  replace: string;
}

export function withEdits(src: InfraSources, ...edits: Edit[]): InfraSources {
  const files = new Map(src.files);
  for (const { file, find, replace } of edits) {
    const text = files.get(file);
    if (text === undefined) throw new Error(`no such file ${file}`);
    const count = text.split(find).length - 1;
    if (count !== 1) throw new Error(`'${find}' occurs ${count} times in ${file}, expected once`);
    files.set(
      file,
      text.replace(find, () => replace),
    );
  }
  return { ...src, files };
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;
