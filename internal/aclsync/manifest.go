package aclsync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// entriesPerShard is the size a manifest shard grows to before the shard
// count doubles. A variable so tests can force sharding with few documents.
var entriesPerShard = 4096

// entry is what kbwarden knows about one ACL file at one ETag.
type entry struct {
	// ETag is the file's ETag when kbwarden last wrote or read it.
	ETag string `json:"e"`
	// ACL is the hash of the ACL the file held at ETag ("" for none).
	ACL string `json:"a,omitempty"`
	// Created is true when kbwarden created the file, so it may delete it.
	Created bool `json:"c,omitempty"`
	// Skip says why the file at ETag must not be written ("" when it may).
	Skip string `json:"s,omitempty"`
	// SkipKind classifies Skip.
	SkipKind ProblemKind `json:"k,omitempty"`
	// SkipFor is the wanted ACL hash the skip applies to (over-limit
	// depends on it); "" means whatever the ACL.
	SkipFor string `json:"f,omitempty"`
}

// shardFile is the content of one manifest shard.
type shardFile struct {
	Version int              `json:"version"`
	Shards  int              `json:"shards"`
	Shard   int              `json:"shard"`
	Entries map[string]entry `json:"entries"`
}

// state is the in-memory manifest of one KnowledgeBase: the entries, the
// shard count, the ETag of each shard as last read or written, and which
// shards hold changes not yet written.
type state struct {
	shards  int
	etags   map[int]string
	entries map[string]entry
	dirty   map[int]bool
}

func newState() *state {
	return &state{shards: 1, etags: map[int]string{}, entries: map[string]entry{}, dirty: map[int]bool{}}
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

func (st *state) set(key string, e entry) {
	if old, ok := st.entries[key]; ok && old == e {
		return
	}
	st.entries[key] = e
	st.dirty[shardOf(key, st.shards)] = true
}

func (st *state) drop(key string) {
	if _, ok := st.entries[key]; ok {
		delete(st.entries, key)
		st.dirty[shardOf(key, st.shards)] = true
	}
}

// load brings st up to date with the manifest shards the listing found
// (key -> ETag), GETting only shards whose ETag differs from st's. It picks
// the largest complete set of shards; it returns the keys of leftover
// shards (other counts) for the caller to delete.
func (st *state) load(ctx context.Context, api S3API, bucket, dir string, listed map[string]string) (leftovers []string, err error) {
	sets := map[int]map[int]string{}
	for key, etag := range listed {
		if n, i, ok := parseShardName(dir, key); ok {
			if sets[n] == nil {
				sets[n] = map[int]string{}
			}
			sets[n][i] = etag
		} else {
			leftovers = append(leftovers, key)
		}
	}
	best := 0
	for n, set := range sets {
		if len(set) == n && n > best {
			best = n
		}
	}
	for n, set := range sets {
		if n != best {
			for i := range set {
				leftovers = append(leftovers, shardName(dir, n, i))
			}
		}
	}
	if best == 0 { // no manifest yet (or none complete): start empty
		if len(st.etags) > 0 {
			*st = *newState()
		}
		return leftovers, nil
	}
	if best != st.shards {
		*st = *newState()
		st.shards = best
	}
	for i := 0; i < best; i++ {
		etag := sets[best][i]
		if st.etags[i] == etag {
			continue
		}
		f, err := getShard(ctx, api, bucket, shardName(dir, best, i))
		if err != nil {
			return nil, err
		}
		for k := range st.entries {
			if shardOf(k, best) == i {
				delete(st.entries, k)
			}
		}
		for k, e := range f.Entries {
			st.entries[k] = e
		}
		st.etags[i] = etag
		delete(st.dirty, i)
	}
	return leftovers, nil
}

func getShard(ctx context.Context, api S3API, bucket, key string) (*shardFile, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key}, quietChecksums)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, err
	}
	f := &shardFile{}
	if err := json.Unmarshal(data, f); err != nil {
		// A damaged manifest only costs reads: start the shard empty.
		return &shardFile{}, nil
	}
	return f, nil
}

// save writes the dirty shards (all of them when the shard count must grow),
// each conditionally on the ETag kbwarden last saw, and returns the keys of
// the shards of the old count when it grew, for the caller to delete.
func (st *state) save(ctx context.Context, api S3API, bucket, dir string) (obsolete []string, err error) {
	want := 1
	for want*entriesPerShard < len(st.entries) {
		want *= 2
	}
	if want > st.shards {
		for i := 0; i < st.shards; i++ {
			if _, ok := st.etags[i]; ok {
				obsolete = append(obsolete, shardName(dir, st.shards, i))
			}
		}
		st.shards, st.etags, st.dirty = want, map[int]string{}, map[int]bool{}
		for i := 0; i < want; i++ {
			st.dirty[i] = true
		}
	}
	if len(st.dirty) == 0 {
		return obsolete, nil
	}
	files := map[int]*shardFile{}
	for i := range st.dirty {
		files[i] = &shardFile{Version: 1, Shards: st.shards, Shard: i, Entries: map[string]entry{}}
	}
	for k, e := range st.entries {
		if f, ok := files[shardOf(k, st.shards)]; ok {
			f.Entries[k] = e
		}
	}
	for i, f := range files {
		data, _ := json.Marshal(f)
		key := shardName(dir, st.shards, i)
		in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data), ContentType: aws.String("application/json")}
		if etag, ok := st.etags[i]; ok {
			in.IfMatch = aws.String(etag)
		} else {
			in.IfNoneMatch = aws.String("*")
		}
		out, err := api.PutObject(ctx, in)
		if err != nil {
			// Someone else wrote the manifest: forget it, reload next pass.
			*st = *newState()
			return nil, fmt.Errorf("writing the manifest shard %s: %w", key, err)
		}
		st.etags[i] = aws.ToString(out.ETag)
		delete(st.dirty, i)
	}
	return obsolete, nil
}
