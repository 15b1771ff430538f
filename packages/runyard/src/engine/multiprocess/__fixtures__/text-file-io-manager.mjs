// A custom IO manager, as a user would write one: plain JavaScript that step processes import
// through `toChildConfig().module`. Each output is a text file named <runId>--<stepKey>.txt.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class TextFileIOManager {
  constructor(config) {
    this.dir = config.dir;
  }

  toChildConfig() {
    return { module: import.meta.url, class: 'TextFileIOManager', config: { dir: this.dir } };
  }

  #file(key) {
    return path.join(this.dir, `${key.runId}--${key.stepKey}.txt`);
  }

  storeOutput(key, value) {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.#file(key), JSON.stringify({ value, writtenBy: process.pid }));
  }

  loadOutput(key) {
    return JSON.parse(readFileSync(this.#file(key), 'utf8')).value;
  }

  hasOutput(key) {
    return existsSync(this.#file(key));
  }
}
