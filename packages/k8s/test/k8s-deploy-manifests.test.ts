import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { KUBE_API_PERMISSIONS, k8sRunLauncherConfigSchema } from '../src/index.js';
import { REPO } from './support/k8s-instance.js';

const DIR = path.join(REPO, 'deploy/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const documents = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as any })),
  );

// The manifests in deploy/kubernetes/ go through the same schema check as the launcher's Jobs.
describe('deploy/kubernetes manifests', () => {
  it('every document validates against the Kubernetes schemas', () => {
    expect(documents.length).toBeGreaterThanOrEqual(10);
    for (const { file, doc } of documents) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind} has no model here`).toBeDefined();
      expect(() => new (Model as any)(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    }
  });

  it('the Role grants exactly the verbs the launcher uses', () => {
    const role = documents.find((d) => d.doc.kind === 'Role')?.doc;
    const granted = new Set<string>();
    for (const rule of role.rules)
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) granted.add(`${group}/${resource}/${verb}`);
    const used = new Set(
      Object.values(KUBE_API_PERMISSIONS)
        .flat()
        .map((p) => `${p.group}/${p.resource}/${p.verb}`),
    );
    expect([...granted].sort()).toEqual([...used].sort());
  });

  it("the ConfigMap's runyard.yaml holds a valid K8sRunLauncher config that names the Secret and ServiceAccount it ships", () => {
    const configMap = documents.find((d) => d.doc.kind === 'ConfigMap')?.doc;
    const config = parseYaml(configMap.data['runyard.yaml']);
    expect(config.runLauncher.class).toBe('K8sRunLauncher');
    const launcher = k8sRunLauncherConfigSchema.parse(config.runLauncher.config);
    const names = (kind: string) => documents.filter((d) => d.doc.kind === kind).map((d) => d.doc.metadata.name);
    expect(names('Secret')).toEqual(expect.arrayContaining(launcher.envSecrets));
    expect(names('ServiceAccount')).toContain(launcher.serviceAccountName);
    expect(config.storage).toEqual({ class: 'PostgresStorage', config: { url: { env: 'DATABASE_URL' } } });
  });
});
