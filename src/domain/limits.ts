// Nesting limits of the documents the service reads, in one place: a request's values and kubeconfig, and the
// objects it reads back from a cluster (manifests), which Kubernetes nests deeper.
export const MAX_VALUES_DEPTH = 32;
export const MAX_DOCUMENT_DEPTH = 64;
