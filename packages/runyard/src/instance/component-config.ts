/**
 * How runyard.yaml names a pluggable component. Built-ins are named by `class` alone; custom ones
 * add the `module` to import it from. `config` is the component's own, validated by its schema.
 */
export interface ComponentConfig {
  readonly module?: string;
  readonly class: string;
  readonly config?: Record<string, unknown>;
}
