// Package aclsync keeps the ACL files of one KnowledgeBase in its documents
// bucket in sync with the compiled rules (internal/acl), at a cost that does
// not grow with the number of documents beyond the listing itself.
//
// # Cost model
//
// A pass lists the documents prefix (ListObjectsV2, 1,000 keys a page). A
// steady-state pass makes no GET and no PUT: every ACL file kbwarden knows is
// recognised by the ETag the listing returns. A rule change GETs and PUTs
// exactly the sidecars whose ACL changes; a new document costs one PUT; a
// sidecar edited by someone else costs one GET (and one PUT only if its ACL
// was changed).
//
// # Bookkeeping: the manifest
//
// What kbwarden knows is kept in a manifest, under
//
//	.kbwarden/<namespace>.<name>/manifest-<shards>-<i>.json
//
// at the root of the documents bucket. It maps each ACL file's key to the
// ETag the file had when kbwarden last wrote or read it, a hash of the ACL
// it held then, whether kbwarden created the file, and, for files kbwarden
// must not write (unparseable, over the size limit), why. A file whose
// listed ETag equals the manifest's holds the recorded ACL, since S3 gives
// every new content a new ETag; only files with a new ETag or none in the
// manifest are read. "Created" makes deletion safe: kbwarden removes a
// sidecar (document gone, or deletionPolicy Delete) only if it created it and
// the ETag still matches, so nobody's edit is ever deleted.
//
// The manifest lives outside documents.prefix so that Bedrock, which
// ingests everything under the data source's prefix, never scans it; that
// costs one extra LIST per pass (constant). When documents.prefix is empty
// the same LIST sees it.
//
// At 100,000 documents an entry is about 120 bytes, 12 MB in all, too much
// to rewrite when one document changes. The manifest is therefore split into
// a power of two of shards of at most about 4,096 entries (FNV-1a of the key
// picks the shard): only shards with a changed entry are rewritten, and the
// shards' own ETags, from the same LIST, let an in-memory cache skip GETting
// them; a restarted controller GETs each shard once (25-32 GETs at 100,000
// documents). The shard count only grows; the largest complete set of
// shards is the manifest, and others are leftovers of an interrupted
// resharding, deleted at the end of the next pass.
//
// # Safety
//
// Writes run on a bounded pool (Syncer.Concurrency, default 16); the SDK
// retries throttling and 5xx. Every write is conditional: If-None-Match: *
// when creating a file, If-Match: <ETag read> when replacing or deleting
// one, so a file someone changes between kbwarden's read and its write is
// left alone (reported, and retried on the next pass). S3 PUTs are atomic, so
// a controller killed mid-pass leaves every file old or new; the manifest is
// written after the files, so the next pass finds the files it did not
// record under an unknown ETag, reads them, sees the right ACL, and records
// them without writing them again.
package aclsync
