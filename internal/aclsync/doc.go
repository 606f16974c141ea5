// Package aclsync keeps the ACL files of one KnowledgeBase in its documents
// bucket in sync with the compiled rules (internal/acl), at a cost that does
// not grow with the number of documents beyond the listing itself, and
// changes or deletes only what kbwarden wrote.
//
// # Cost model
//
// A pass lists the documents prefix (ListObjectsV2, 1,000 keys a page,
// URL-encoded so that no key can make a page undecodable). A steady-state
// pass makes no GET and no PUT: every ACL file kbwarden knows is recognised
// by the ETag the listing returns. A rule change GETs and PUTs exactly the
// sidecars whose ACL changes; a new document costs one PUT; a sidecar edited
// by someone else costs one GET (and one PUT only if its ACL was changed).
// Every read is bounded: the size in the listing is checked against the
// limit for the file's role before any GET (a sidecar larger than the
// services read is reported, not read), and bodies are read through
// io.LimitReader. A pass keeps each listed key once.
//
// # Ownership
//
// A file is wholly kbwarden's while its ETag is the one S3 returned for
// kbwarden's own PUT (entry.Own): kbwarden created it and nobody put content
// of theirs into it since. Only such a file is ever deleted (an orphan
// sidecar, a file of an earlier layout, Cleanup), conditionally on that
// ETag. An ETag kbwarden only read is never taken as its own: a sidecar
// someone edited belongs to its editor, and kbwarden strips only its own
// ACL field from it. The object at globalFile is read before kbwarden's
// first write and is overwritten only if it is a global ACL file kbwarden
// wrote; anything else there is NotOwned, never overwritten or deleted.
//
// # Bookkeeping: the manifest
//
// What kbwarden knows is kept in a manifest, by default under
//
//	.kbwarden/<namespace>.<name>/manifest-<shards>-<i>.json
//
// in the documents bucket, or wherever Target.BookkeepingBucket and
// BookkeepingPrefix say. It must lie outside the data source: Bedrock and
// Quick ingest every object under a data source's inclusion prefixes, so a
// manifest inside documents.prefix would be ingested as a document. With an
// empty prefix the whole bucket is the data source, and the caller must
// name another bucket (Sync refuses with *BookkeepingInScopeError). A
// manifest found at the old default location is read and moved, so an
// upgrade forgets nothing.
//
// The manifest maps each ACL file's key to the ETag the file had when
// kbwarden last wrote or read it, a hash of the ACL it held then, the ETag
// of kbwarden's own PUT when the file is wholly kbwarden's, and, for files
// kbwarden must not write (unparseable, over the size limit, not its own),
// why. A file whose listed ETag equals the manifest's holds the recorded
// ACL, since S3 gives every new content a new ETag; only files with a new
// ETag or none in the manifest are read. It also records the layout (mode,
// bucket, prefix, metadataPrefix, global file, format) its files were
// written for: after a change, the old layout's files are removed (or
// stripped of kbwarden's field) before the new layout is written.
//
// At 100,000 documents an entry is about 120 bytes, 12 MB in all, too much
// to rewrite when one document changes. The manifest is therefore split into
// a power of two of shards of at most about 4,096 entries (FNV-1a of the key
// picks the shard): only shards with a changed entry are rewritten, and the
// shards' own ETags, from the same LIST, let an in-memory cache skip GETting
// them; a restarted controller GETs each shard once (25-32 GETs at 100,000
// documents). The shard count only grows; the largest complete set of
// shards is the manifest, and others are leftovers of an interrupted
// resharding, deleted at the end of the next pass. Syncer.Forget drops the
// cache of a KnowledgeBase that is gone.
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
// them without writing them again (though not as wholly its own: a file
// whose provenance is unknown is never deleted, only stripped).
package aclsync
