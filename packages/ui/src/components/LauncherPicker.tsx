import type { JobLaunchers, LauncherVariable } from '../api/types';
import type { LauncherSelection } from '../lib/launcher-tags';

interface Props {
  info: JobLaunchers;
  selection: LauncherSelection;
  errors: Record<string, string>;
  onChange: (selection: LauncherSelection) => void;
}

const FROM: Record<JobLaunchers['defaultFrom'], string> = {
  instance: "the instance's default",
  codeLocation: "the code location's default",
  job: "the job's runyard/launcher tag",
};

/**
 * The Launchpad's choice of launcher and of its variables: only the launchers the job may use
 * (runyard.yaml's allow-lists), and for each variable only the values it allows.
 */
export function LauncherPicker({ info, selection, errors, onChange }: Props) {
  const name = selection.launcher ?? info.default;
  const choice = info.launchers.find((l) => l.name === name);
  const variables = Object.entries(choice?.variables ?? {});
  return (
    <div className="launcher-picker" data-testid="launcher-picker">
      <label className="field-inline">
        Launcher
        <select
          className="input"
          value={name}
          onChange={(e) => onChange({ launcher: e.target.value, vars: {} })}
          data-testid="launcher-select"
        >
          {info.launchers.map((l) => (
            <option key={l.name} value={l.name}>
              {l.name} ({l.class}){l.name === info.default ? ' · default' : ''}
            </option>
          ))}
        </select>
      </label>
      <div className="small muted">
        Unless chosen here, runs of this job go to {info.default}: {FROM[info.defaultFrom]}.
      </div>
      {variables.map(([varName, variable]) => (
        <div className="field-inline" key={varName} title={variable.description}>
          <label className="mono" htmlFor={`launcher-var-${varName}`}>
            {varName}
          </label>
          <VariableInput
            name={varName}
            variable={variable}
            value={selection.vars[varName] ?? ''}
            onChange={(value) =>
              onChange({ ...selection, launcher: name, vars: { ...selection.vars, [varName]: value } })
            }
          />
          {errors[varName] && <span className="field-error">{errors[varName]}</span>}
        </div>
      ))}
    </div>
  );
}

function VariableInput({
  name,
  variable,
  value,
  onChange,
}: {
  name: string;
  variable: LauncherVariable;
  value: string;
  onChange: (value: string) => void;
}) {
  const options = variable.allowed ?? (variable.type === 'boolean' ? [true, false] : undefined);
  if (options) {
    return (
      <select
        className="input"
        value={value === '' ? String(variable.default) : value}
        onChange={(e) => onChange(e.target.value)}
        id={`launcher-var-${name}`}
        data-testid={`launcher-var-${name}`}
      >
        {options.map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
            {option === variable.default ? ' (default)' : ''}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      className="input mono"
      type={variable.type === 'number' ? 'number' : 'text'}
      min={variable.min}
      max={variable.max}
      placeholder={String(variable.default)}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      id={`launcher-var-${name}`}
      data-testid={`launcher-var-${name}`}
    />
  );
}
