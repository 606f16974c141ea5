package aclsync

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// entriesPerShard is the size a manifest shard grows to before the shard
// count doubles. A variable so tests can force sharding with few documents.
var entriesPerShard = 4096

// maxShardBytes bounds the read of one manifest shard: twice a full shard
// of 1,024-byte keys with room to spare. A larger object is not kbwarden's
// shard and is read as a damaged one (empty).
const maxShardBytes = 32 << 20

// entry is what kbwarden knows about one ACL file at one ETag.
type entry struct {
	// ETag is the file's ETag when kbwarden last wrote or read it.
	ETag string
	// ACL is the hash of the ACL the file held at ETag ("" for none).
	ACL string
	// Own is the ETag S3 returned for kbwarden's own PUT of a file that is
	// wholly kbwarden's: one it created and nobody put content of theirs
	// into since. Only while the file's live ETag is still Own may kbwarden
	// delete the file; it is never set from an ETag kbwarden read, so an
	// edited file belongs to its editor. "" when the file is someone else's.
	Own string
	// Legacy marks an entry of a version-1 manifest that said "created":
	// version 1 carried that flag forward to ETags it had only read, so
	// whether the file is still wholly kbwarden's is decided by reading it
	// (see whollyKbwarden) before anything would delete it.
	Legacy bool
	// Skip says why the file at ETag must not be written ("" when it may).
	Skip string
	// SkipKind classifies Skip.
	SkipKind ProblemKind
	// SkipFor is the wanted ACL hash the skip applies to (over-limit
	// depends on it); "" means whatever the ACL.
	SkipFor string
}

// diskEntry is an entry as stored. Own is written only when it differs from
// the ETag ("m" says it equals it), which it rarely does, so the common
// entry costs no second ETag, on disk or in memory.
type diskEntry struct {
	ETag     string      `json:"e"`
	ACL      string      `json:"a,omitempty"`
	Own      string      `json:"o,omitempty"`
	Mine     bool        `json:"m,omitempty"`
	Legacy   bool        `json:"c,omitempty"`
	Skip     string      `json:"s,omitempty"`
	SkipKind ProblemKind `json:"k,omitempty"`
	SkipFor  string      `json:"f,omitempty"`
}

func (e entry) disk() diskEntry {
	d := diskEntry{ETag: expandETag(e.ETag), ACL: e.ACL, Legacy: e.Legacy, Skip: e.Skip, SkipKind: e.SkipKind, SkipFor: e.SkipFor}
	if e.Own != "" && e.Own == e.ETag {
		d.Mine = true
	} else {
		d.Own = expandETag(e.Own)
	}
	return d
}

func (d diskEntry) entry() entry {
	e := entry{ETag: compactETag(d.ETag), ACL: d.ACL, Own: compactETag(d.Own), Legacy: d.Legacy, Skip: d.Skip, SkipKind: d.SkipKind, SkipFor: d.SkipFor}
	if d.Mine {
		e.Own = e.ETag
	}
	return e
}

// manifestVersion 2 added Own and the layout; version 1's "c" (created) is
// read as Legacy.
const manifestVersion = 2

// shardFile is the content of one manifest shard. Every shard carries the
// layout, so any one of them says what the entries were written for.
type shardFile struct {
	Version int                  `json:"version"`
	Shards  int                  `json:"shards"`
	Shard   int                  `json:"shard"`
	Layout  *layout              `json:"layout,omitempty"`
	Entries map[string]diskEntry `json:"entries"`
}

func shardOf(key string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(shards))
}

func shardName(dir string, shards, i int) string {
	return fmt.Sprintf("%smanifest-%d-%d.json", dir, shards, i)
}

// parseShardName returns the shard count and index of a manifest key.
func parseShardName(dir, key string) (shards, i int, ok bool) {
	rest, found := strings.CutPrefix(key, dir+"manifest-")
	if !found {
		return 0, 0, false
	}
	rest, found = strings.CutSuffix(rest, ".json")
	a, b, found2 := strings.Cut(rest, "-")
	if !found || !found2 {
		return 0, 0, false
	}
	n, err1 := strconv.Atoi(a)
	k, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n <= 0 || k < 0 || k >= n {
		return 0, 0, false
	}
	return n, k, true
}

// decodeShard parses a shard; a damaged one reads as empty, which only
// costs reads (kbwarden then owns nothing it recorded there, the safe side).
func decodeShard(data []byte) *shardFile {
	f := &shardFile{}
	if err := json.Unmarshal(data, f); err != nil {
		return &shardFile{}
	}
	return f
}
