#!/usr/bin/env bash
# The seed's curl examples against `npm run dev`, with the dev test cluster's kubeconfig filled in.
#   scripts/example.sh post [release]      scripts/example.sh put <system_id> [release]
#   scripts/example.sh delete <system_id> [release]
# KUBECONFIG_FILE overrides the kubeconfig used (default .run/dev/cluster/kubeconfig.yaml); API_URL the API.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kubeconfig_file="${KUBECONFIG_FILE:-$root/.run/dev/cluster/kubeconfig.yaml}"
api="${API_URL:-http://localhost:9000}"
verb="${1:?post|put|delete}"

# node + js-yaml (a project dependency) turn the kubeconfig YAML into the JSON object the API takes
kubeconfig_json="$(cd "$root" && node -e 'const y=require("js-yaml");process.stdout.write(JSON.stringify(y.load(require("fs").readFileSync(process.argv[1],"utf8"))))' "$kubeconfig_file")"

case "$verb" in
  post)
    release="${2:-nats-global-exchange}"
    curl -sS -X POST "$api/exchange" -H "Content-Type: application/json" -d '{
      "kubeconfig": '"$kubeconfig_json"',
      "helm_values": { "config.jetstream.enabled": true, "config.jetstream.fileStore.pvc.size": "5Gi" },
      "release_name": "'"$release"'",
      "org_ids": "org001",
      "cluster_id": "us-east-cluster",
      "name": "Global Event Bus",
      "metadata": { "team": "infra" }
    }'; echo ;;
  put)
    id="${2:?system_id}"; release="${3:-nats-global-exchange}"
    curl -sS -X PUT "$api/exchange/$id" -H "Content-Type: application/json" -d '{
      "kubeconfig": '"$kubeconfig_json"',
      "release_name": "'"$release"'",
      "helm_values": { "config.cluster.replicas": 5, "promExporter.enabled": true }
    }'; echo ;;
  delete)
    id="${2:?system_id}"; release="${3:-nats-global-exchange}"
    curl -sS -X DELETE "$api/exchange/$id" -H "Content-Type: application/json" -d '{
      "kubeconfig": '"$kubeconfig_json"',
      "release_name": "'"$release"'"
    }'; echo ;;
  *) echo "usage: $0 post|put|delete" >&2; exit 2 ;;
esac
