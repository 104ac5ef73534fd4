import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CILIUM_VERSIONS, KUBERNETES_VERSIONS } from '../../../functions/domain/spec/versions.js';
import { ANSIBLE_DIR } from './ansible-run.js';

const ROLES_DIR = join(ANSIBLE_DIR, 'roles');
const roles = readdirSync(ROLES_DIR).toSorted();
const rolesWithHandlers = roles.filter((role) => existsSync(join(ROLES_DIR, role, 'handlers/main.yml')));

const VarsFile = z.record(z.string(), z.unknown()).nullable();
const Task = z.record(z.string(), z.unknown());
const TaskList = z.array(Task);
const ArgumentSpecs = z.object({
  argument_specs: z.object({
    main: z.object({
      short_description: z.string().min(1),
      options: z.record(
        z.string(),
        z
          .object({ type: z.string(), description: z.union([z.string(), z.array(z.string())]) })
          .catchall(z.unknown()),
      ),
    }),
  }),
});

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

function roleFile(role: string, file: string): string {
  return join(ROLES_DIR, role, file);
}

/** k8s-control-plane → k8s_control_plane: the prefix of the role's public variables. */
const prefixOf = (role: string): string => role.replaceAll('-', '_');

/** Every task of a role (task files and handlers), blocks flattened. */
function allTasks(role: string): Record<string, unknown>[] {
  const files = ['tasks', 'handlers']
    .map((dir) => join(ROLES_DIR, role, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
  const flatten = (tasks: Record<string, unknown>[]): Record<string, unknown>[] =>
    tasks.flatMap((task) => [
      task,
      ...['block', 'rescue', 'always'].flatMap((key) =>
        key in task ? flatten(TaskList.parse(task[key])) : [],
      ),
    ]);
  return files.flatMap((file) => flatten(TaskList.parse(readYaml(file) ?? [])));
}

describe('roles', () => {
  it('are k8s-common, k8s-control-plane, k8s-worker and cilium', () => {
    expect(roles).toEqual(['cilium', 'k8s-common', 'k8s-control-plane', 'k8s-worker']);
  });

  describe.each(roles)('%s', (role) => {
    it('has the standard layout', () => {
      for (const file of [
        'defaults/main.yml',
        'vars/main.yml',
        'meta/main.yml',
        'meta/argument_specs.yml',
        'tasks/main.yml',
        'tasks/preflight.yml',
        'tasks/install.yml',
        'tasks/configure.yml',
      ]) {
        expect(existsSync(roleFile(role, file)), file).toBe(true);
      }
    });

    it('orders only preflight, install and configure in tasks/main.yml', () => {
      const tasks = TaskList.parse(readYaml(roleFile(role, 'tasks/main.yml')));
      expect(tasks.map((task) => task['ansible.builtin.import_tasks'])).toEqual([
        'preflight.yml',
        'install.yml',
        'configure.yml',
      ]);
    });

    it('prefixes public variables with the role name and private ones with an underscore', () => {
      const prefix = prefixOf(role);
      const defaults = Object.keys(VarsFile.parse(readYaml(roleFile(role, 'defaults/main.yml'))) ?? {});
      const privates = Object.keys(VarsFile.parse(readYaml(roleFile(role, 'vars/main.yml'))) ?? {});
      expect(defaults.length).toBeGreaterThan(0);
      expect(defaults.filter((name) => !name.startsWith(`${prefix}_`))).toEqual([]);
      expect(privates.filter((name) => !name.startsWith(`_${prefix}_`))).toEqual([]);
    });

    it('documents exactly its public variables, typed, in meta/argument_specs.yml', () => {
      const specs = ArgumentSpecs.parse(readYaml(roleFile(role, 'meta/argument_specs.yml')));
      const documented = Object.keys(specs.argument_specs.main.options).toSorted();
      const defaults = Object.keys(
        VarsFile.parse(readYaml(roleFile(role, 'defaults/main.yml'))) ?? {},
      ).toSorted();
      expect(documented).toEqual(defaults);
    });

    it('uses fully qualified module names, no shell and no ignore_errors', () => {
      const tasks = allTasks(role);
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks) {
        expect(task).not.toHaveProperty('ignore_errors');
        const modules = Object.keys(task).filter(
          (key) => key.includes('.') || key === 'shell' || key === 'command',
        );
        for (const module of modules) {
          expect(module, JSON.stringify(task.name)).toMatch(/^[a-z_]+\.[a-z_]+\.[a-z_0-9]+$/);
          expect(module).not.toMatch(/\.shell$/);
        }
      }
    });
  });

  it.each(rolesWithHandlers)('%s guards its handlers against check mode', (role) => {
    const handlers = TaskList.parse(readYaml(roleFile(role, 'handlers/main.yml')));
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) {
      expect([handler.when].flat(), String(handler.name)).toContain('not ansible_check_mode');
    }
  });

  it('pin a patch release for every Kubernetes and Cilium minor an environment spec may ask for', () => {
    const k8sVars = z
      .object({
        _k8s_common_patch_releases: z.record(z.string(), z.string()),
        _k8s_common_pause_images: z.record(z.string(), z.string()),
      })
      .parse(readYaml(roleFile('k8s-common', 'vars/main.yml')));
    const ciliumVars = z
      .object({ _cilium_patch_releases: z.record(z.string(), z.string()) })
      .parse(readYaml(roleFile('cilium', 'vars/main.yml')));
    for (const minor of KUBERNETES_VERSIONS) {
      expect(k8sVars._k8s_common_patch_releases[minor], minor).toMatch(
        new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+$`),
      );
      expect(k8sVars._k8s_common_pause_images[minor], minor).toMatch(/^registry\.k8s\.io\/pause:/);
    }
    for (const minor of CILIUM_VERSIONS) {
      expect(ciliumVars._cilium_patch_releases[minor], minor).toMatch(
        new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+$`),
      );
    }
  });
});
