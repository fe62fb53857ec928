// Writes crates/sandbox/src/schema/graph-types.json: the Microsoft Graph types the sandbox reads in request
// bodies and writes in answers, with their declared properties, JSON types and enum members, taken from
// Microsoft's published TypeScript definitions.
//
//   mkdir -p /tmp/graph-types && cd /tmp/graph-types
//   npm pack @microsoft/microsoft-graph-types@2.43.1 @microsoft/microsoft-graph-types-beta@0.44.0-preview
//   for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
//   node scripts/graph-schema.mjs \
//     /tmp/graph-types/microsoft-microsoft-graph-types-2.43.1/package \
//     /tmp/graph-types/microsoft-microsoft-graph-types-beta-0.44.0-preview/package
//
// Each argument is an unpacked package directory (microsoft-graph.d.ts and package.json). The output is
// deterministic: the same packages give the same file. Tests read the file; nothing fetches at test time.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

// The entity types the sandbox reads or answers with, per API version. Complex types and enums they
// use are added by following their properties; entity-typed properties outside this list stay
// names only (the sandbox never reads or writes their insides).
const ENTITIES = {
  "v1.0": [
    "entity", "directoryObject", "user", "group", "organization", "domain",
    "unifiedRoleDefinition", "unifiedRoleAssignment",
    "accessPackageCatalog", "accessPackageResource", "accessPackageResourceRole",
    "accessPackageResourceScope", "accessPackageResourceRequest", "accessPackage",
    "accessPackageResourceRoleScope", "accessPackageAssignmentPolicy",
    "accessPackageAssignmentRequest", "accessPackageAssignment", "accessPackageSubject",
  ],
  beta: [
    "entity", "directoryObject", "user", "group", "organization", "domain",
    "unifiedRoleDefinition", "unifiedRoleAssignment",
    "accessPackageCatalog", "accessPackageResource", "accessPackageResourceRole",
    "accessPackageResourceScope", "accessPackageResourceRequest", "accessPackage",
    "accessPackageResourceRoleScope", "accessPackageAssignmentPolicy",
    "accessPackageAssignmentRequest", "accessPackageAssignment", "accessPackageSubject",
  ],
};

// Properties Graph's own API pages put in request bodies that the published definitions leave out.
// The sandbox accepts them in bodies (never in answers); each names the page that documents it.
const DOCUMENTED = {
  "v1.0": {
    accessPackageAssignment: {
      page: "https://learn.microsoft.com/en-us/graph/api/entitlementmanagement-post-assignmentrequests?view=graph-rest-1.0",
      props: { accessPackageId: "string", assignmentPolicyId: "string", targetId: "string" },
    },
  },
  beta: {},
};

const lowerFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);

/** Top-level interfaces and string-union types of one microsoft-graph.d.ts (namespaces skipped).
 * Top-level declarations start in column 0 and end with a `}` in column 0; members are indented. */
function parse(text) {
  const interfaces = new Map();
  const enums = new Map();
  let current = null; // the interface being read
  let inNamespace = false;
  let pendingEnum = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pendingEnum) {
      for (const m of line.matchAll(/"([^"]*)"/g)) pendingEnum.members.push(m[1]);
      if (line.endsWith(";")) {
        enums.set(pendingEnum.name, pendingEnum.members);
        pendingEnum = null;
      }
      continue;
    }
    if (raw.startsWith("}")) {
      current = null;
      inNamespace = false;
      continue;
    }
    if (inNamespace) continue;
    if (current) {
      const p = line.match(/^"?([\w@.]+)"?\??: (.+);$/);
      if (p && raw.startsWith("    ") && !raw.startsWith("     ")) current.props.push([p[1], p[2]]);
      continue;
    }
    const t = raw.match(/^export type (\w+) =(.*)$/);
    if (t) {
      const rest = t[2];
      if (rest.includes('"') || rest.trim() === "") {
        pendingEnum = { name: t[1], members: [] };
        for (const m of rest.matchAll(/"([^"]*)"/g)) pendingEnum.members.push(m[1]);
        if (rest.trim().endsWith(";")) {
          enums.set(pendingEnum.name, pendingEnum.members);
          pendingEnum = null;
        }
      }
      continue;
    }
    const i = raw.match(/^export interface (\w+)(?: extends ([\w, ]+))? \{(\})?$/);
    if (i) {
      const base = i[2] ? i[2].split(",")[0].trim() : null;
      const item = { name: i[1], base, props: [] };
      interfaces.set(i[1], item);
      if (!i[3]) current = item;
      continue;
    }
    if (/^export namespace /.test(raw)) inNamespace = true;
  }
  return { interfaces, enums };
}

/** `NullableOption<Foo[]>` → { name: "Foo", many: true }. */
function unwrap(ts) {
  let t = ts.trim();
  const n = t.match(/^NullableOption<(.+)>$/);
  if (n) t = n[1];
  let many = false;
  if (t.endsWith("[]")) {
    many = true;
    t = t.slice(0, -2);
  }
  return { name: t, many };
}

function build(dir, version) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const { interfaces, enums } = parse(readFileSync(join(dir, "microsoft-graph.d.ts"), "utf8"));
  const isEntity = (name) => {
    for (let n = name; n; n = interfaces.get(n)?.base) if (n === "Entity") return true;
    return false;
  };
  const derivedOf = new Map();
  for (const i of interfaces.values()) {
    if (!i.base) continue;
    if (!derivedOf.has(i.base)) derivedOf.set(i.base, []);
    derivedOf.get(i.base).push(i.name);
  }
  const wanted = new Set(ENTITIES[version].map((n) => n.charAt(0).toUpperCase() + n.slice(1)));
  const types = {};
  const usedEnums = {};
  const queue = [...wanted];
  const seen = new Set();
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const i = interfaces.get(name);
    if (!i) throw new Error(`${version}: no interface ${name}`);
    const props = {};
    for (const [prop, ts] of i.props) {
      const { name: t, many } = unwrap(ts);
      let desc;
      if (t === "string" || t === "number" || t === "boolean") desc = t;
      else if (t === "any") desc = "any";
      else if (enums.has(t)) {
        desc = lowerFirst(t);
        usedEnums[desc] = enums.get(t);
      } else if (interfaces.has(t)) {
        desc = lowerFirst(t);
        if (!isEntity(t) || wanted.has(t)) queue.push(t);
      } else desc = "any"; // a type of another namespace (callRecords, security, ...)
      props[prop] = many ? `${desc}[]` : desc;
    }
    // A complex type may arrive as any of its derived types (`@odata.type`).
    if (!isEntity(name)) for (const d of derivedOf.get(name) || []) queue.push(d);
    if (i.base && (!isEntity(i.base) || wanted.has(i.base))) queue.push(i.base);
    const documented = DOCUMENTED[version][lowerFirst(name)];
    types[lowerFirst(name)] = {
      kind: isEntity(name) || name === "Entity" ? "entity" : "complex",
      ...(i.base ? { base: lowerFirst(i.base) } : {}),
      props,
      ...(documented ? { documented } : {}),
    };
  }
  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  return {
    source: `${pkg.name}@${pkg.version}`,
    types: sorted(types),
    enums: sorted(usedEnums),
  };
}

const [v1Dir, betaDir] = process.argv.slice(2);
if (!v1Dir || !betaDir) {
  console.error("usage: node scripts/graph-schema.mjs <microsoft-graph-types dir> <microsoft-graph-types-beta dir>");
  process.exit(2);
}
const out = {
  comment: "Generated by scripts/graph-schema.mjs from Microsoft's published Graph type definitions; do not edit.",
  "v1.0": build(v1Dir, "v1.0"),
  beta: build(betaDir, "beta"),
};
const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "crates", "sandbox", "src", "schema", "graph-types.json");
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
const count = (v) => `${Object.keys(out[v].types).length} types, ${Object.keys(out[v].enums).length} enums`;
console.log(`wrote ${target}: v1.0 ${count("v1.0")} (${out["v1.0"].source}); beta ${count("beta")} (${out.beta.source})`);
