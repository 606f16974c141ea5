package aclsync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// state is the in-memory manifest of one KnowledgeBase: where it is kept,
// the entries, the layout they were written for, the shard count, the ETag
// of each shard as last read or written, and which shards hold changes not
// yet written.
type state struct {
	where   location
	shards  int
	etags   map[int]string
	entries map[string]entry
	dirty   map[int]bool
	layout  *layout
	// legacyGone says the old default location was found empty (or
	// emptied), so it need not be listed again by this process.
	legacyGone bool
}

func newState(where location) *state {
	return &state{where: where, shards: 1, etags: map[int]string{}, entries: map[string]entry{}, dirty: map[int]bool{}}
}

// reset forgets everything but the location and legacyGone.
func (st *state) reset() {
	gone := st.legacyGone
	*st = *newState(st.where)
	st.legacyGone = gone
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

// setLayout records the layout the entries are written for; every shard
// carries it, so a change rewrites them all.
func (st *state) setLayout(l layout) {
	if st.layout != nil && st.layout.equal(l) {
		return
	}
	st.layout = &l
	for i := 0; i < st.shards; i++ {
		st.dirty[i] = true
	}
}

// adopt takes the entries and layout of other (a manifest read at the old
// location), to be written in full at st's location.
func (st *state) adopt(other *state) {
	st.reset()
	st.entries, st.layout, st.shards = other.entries, other.layout, other.shards
	for i := 0; i < st.shards; i++ {
		st.dirty[i] = true
	}
}

// load brings st up to date with the manifest shards listed at where,
// GETting only shards whose ETag differs from st's. It picks the largest
// complete set of shards and returns the keys of leftover shards (other
// counts) for the caller to delete; found is false when there is no
// complete manifest there.
func (st *state) load(ctx context.Context, api S3API, where location, listed objects) (leftovers []string, found bool, err error) {
	if st.where != where {
		st.where = where
		st.reset()
	}
	sets := map[int]map[int]object{}
	for _, o := range listed {
		if n, i, ok := parseShardName(where.dir, o.key); ok {
			if sets[n] == nil {
				sets[n] = map[int]object{}
			}
			sets[n][i] = o
		} else {
			leftovers = append(leftovers, o.key)
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
				leftovers = append(leftovers, shardName(where.dir, n, i))
			}
		}
	}
	if best == 0 { // no manifest yet (or none complete): start empty
		if len(st.etags) > 0 {
			st.reset()
		}
		return leftovers, false, nil
	}
	if best != st.shards {
		st.reset()
		st.shards = best
	}
	for i := 0; i < best; i++ {
		o := sets[best][i]
		if st.etags[i] == o.etag {
			continue
		}
		f := &shardFile{}
		if o.size <= maxShardBytes {
			data, _, err := getBounded(ctx, api, where.bucket, o.key, maxShardBytes)
			if err != nil && !isTooLarge(err) {
				return nil, true, err
			}
			f = decodeShard(data)
		}
		for k := range st.entries {
			if shardOf(k, best) == i {
				delete(st.entries, k)
			}
		}
		for k, d := range f.Entries {
			st.entries[k] = d.entry()
		}
		if f.Layout != nil {
			st.layout = f.Layout
		}
		st.etags[i] = o.etag
		delete(st.dirty, i)
	}
	return leftovers, true, nil
}

// save writes the dirty shards (all of them when the shard count must grow),
// each conditionally on the ETag kbwarden last saw, and returns the keys of
// the shards of the old count when it grew, for the caller to delete.
func (st *state) save(ctx context.Context, api S3API) (obsolete []string, err error) {
	want := 1
	for want*entriesPerShard < len(st.entries) {
		want *= 2
	}
	if want > st.shards {
		for i := 0; i < st.shards; i++ {
			if _, ok := st.etags[i]; ok {
				obsolete = append(obsolete, shardName(st.where.dir, st.shards, i))
			}
		}
		st.shards, st.etags, st.dirty = want, map[int]string{}, map[int]bool{}
		for i := 0; i < want; i++ {
			st.dirty[i] = true
		}
	}
	files := map[int]*shardFile{}
	for i := range st.dirty {
		files[i] = &shardFile{Version: manifestVersion, Shards: st.shards, Shard: i, Layout: st.layout, Entries: map[string]diskEntry{}}
	}
	for k, e := range st.entries {
		if f, ok := files[shardOf(k, st.shards)]; ok {
			f.Entries[k] = e.disk()
		}
	}
	for _, i := range slices.Sorted(maps.Keys(files)) {
		data, _ := json.Marshal(files[i])
		key := shardName(st.where.dir, st.shards, i)
		in := &s3.PutObjectInput{Bucket: &st.where.bucket, Key: &key, Body: bytes.NewReader(data), ContentType: aws.String("application/json")}
		if etag, ok := st.etags[i]; ok {
			in.IfMatch = aws.String(expandETag(etag))
		} else {
			in.IfNoneMatch = aws.String("*")
		}
		out, err := api.PutObject(ctx, in)
		if err != nil {
			// Someone else wrote the manifest: forget it, reload next pass.
			st.reset()
			return nil, fmt.Errorf("writing the manifest shard %s: %w", key, err)
		}
		st.etags[i] = compactETag(aws.ToString(out.ETag))
		delete(st.dirty, i)
	}
	return obsolete, nil
}
