// Package acl compiles a KnowledgeBase's declarative ACL rules into the files
// Amazon Quick, Amazon Q Business and Bedrock managed knowledge bases read:
// one global ACL file, or one .metadata.json sidecar per document.
//
// It is pure logic: it never calls AWS. The reconciler lists and reads
// objects, asks this package what each file should hold, and writes only
// what RenderSidecar reports as changed, so a steady-state pass costs no PUT.
//
// Semantics, taken from the services' documentation:
//   - A document gets the entries of every rule whose prefix its key starts
//     with (a plain string prefix, as S3 prefixes are).
//   - Deny by default: a document nobody is allowed is not retrievable.
//   - Deny wins over allow. Both are written as declared; the service, not
//     kbwarden, resolves them at retrieval time.
//   - Users are email addresses matched case-insensitively, so kbwarden
//     writes them lower-cased; group names are matched exactly.
//
// Nothing here depends on the order of the rules: reordering rules in a
// manifest produces the same bytes and the same Hash, so it never causes a
// rewrite or a reindex.
package acl
