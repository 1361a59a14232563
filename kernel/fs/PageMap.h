#pragma once
// The pages of an in-memory file: a sparse map from page index to a physical page, as a radix
// tree of page-sized nodes of 512 entries (the idea of Linux's xarray, without its tags and
// RCU). The tree is as tall as the largest index needs, so a small file is one level and a
// sparse file costs only the pages written. Missing pages read as zeroes.
//
// Not locked: the owning inode's lock guards it. Nodes come from the page allocator; the pages
// are user frames (mm/Vma.h) holding one reference for the map, so that a shared mapping of the
// file maps the very same frames (the page cache) and a page cut off by truncate lives on while
// a mapping still holds it.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

class PageMap {
public:
    constexpr PageMap() = default;
    ~PageMap() { truncate(0); }
    PageMap(const PageMap&) = delete;
    PageMap& operator=(const PageMap&) = delete;

    // The kernel address of page `index`, or nullptr if it was never written.
    uint8_t* lookup(uint64_t index) const;
    // The frame of page `index` (0 if never written).
    PhysAddr lookup_frame(uint64_t index) const;
    // Page `index`, allocating a zero-filled one when missing. ENOMEM leaves the map as it was.
    ErrorOr<uint8_t*> get_or_create(uint64_t index);
    // The first page index >= `from` that has a page, or that has none (holes for lseek).
    // Either may be past the last page: next_present gives NONE when there is none.
    static constexpr uint64_t NONE = std::numeric_limits<uint64_t>::max();
    uint64_t next_present(uint64_t from) const;
    uint64_t next_absent(uint64_t from) const;
    // Frees every page with index >= first_index.
    void truncate(uint64_t first_index);
    size_t page_count() const { return m_pages; }
    // Pages held by every PageMap (the in-memory files' data: /proc/meminfo's Shmem).
    static size_t total_pages();

private:
    static constexpr unsigned BITS = 9;  // 512 entries of 8 bytes: one page per node
    static constexpr uint64_t FANOUT = uint64_t(1) << BITS;
    static constexpr unsigned MAX_HEIGHT = 6;  // 54 bits of page index: all of a 63-bit offset

    // Frees the entries of `node` (at `height`, leaves being 1) covering indices >= first,
    // relative to the node's base index; returns true when the node is left empty.
    bool truncate_node(PhysAddr node, unsigned height, uint64_t first);
    // Frees empty nodes below `node`; true when `node` itself is left empty.
    bool prune_node(PhysAddr node, unsigned height);
    // The first present index >= from below `node` (whose first index is `base`), if any.
    bool find_present(PhysAddr node, unsigned height, uint64_t base, uint64_t from, uint64_t& found) const;
    // Frees every empty node and lowers the root while only its first entry is used, so the
    // map holds exactly the nodes its pages need (after a failed get_or_create, a truncate).
    void trim();
    static uint64_t* entries(PhysAddr node);
    ErrorOr<uint8_t*> insert(uint64_t index);

    PhysAddr m_root{0};   // a node, or 0 when empty
    unsigned m_height{0};  // the root covers indices < 512^m_height
    size_t m_pages{0};
};

}  // namespace kernel
