#pragma once
// Intrusive doubly-linked list in the style of Linux's list_head, typed: the node is a member
// of the element and the list names it (IntrusiveList<Task, &Task::m_run_node>). Linking never
// allocates, which is what lets the commit step of fork be infallible.
//
// Both types are constexpr-constructible and trivially destructible, so a list (or an object
// holding nodes) can be a constinit global: usable before .init_array has run, and no exit-time
// destructor. The price is that nothing checks automatically that a node is unlinked when its
// element dies, or that a list is empty when it goes away: the owner says so where the object
// dies, with VERIFY(!node.is_linked()) or list.assert_empty() (as free_task does for a Task).
//
// g++ 12 pitfall: a constinit *array* of lists (or of structs holding one) declared without an
// initializer is silently zero-filled instead of getting its self-pointing heads, so its first
// push_back dereferences null. Write `constinit CpuRunQueue g_run_queues[N] = {};` (a single
// object, or an array member of a class, is fine).
//
// Locking is the owner's business: the list does none.
#include "lib/Assert.h"
#include "lib/kstd.h"

namespace kernel {

class IntrusiveListNode {
public:
    constexpr IntrusiveListNode() = default;
    IntrusiveListNode(const IntrusiveListNode&) = delete;
    IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;

    bool is_linked() const { return m_next != nullptr; }

    // Unlinks from whatever list holds this node; a no-op when not linked.
    void unlink() {
        if (!is_linked())
            return;
        m_prev->m_next = m_next;
        m_next->m_prev = m_prev;
        m_next = m_prev = nullptr;
    }

private:
    template <typename T, IntrusiveListNode T::*>
    friend class IntrusiveList;
    IntrusiveListNode* m_next{nullptr};
    IntrusiveListNode* m_prev{nullptr};
};

template <typename T, IntrusiveListNode T::*member>
class IntrusiveList {
public:
    // The head points at itself when the list is empty. Taking the address of a member is a
    // constant expression for an object with static storage, so this works in constinit.
    constexpr IntrusiveList() { m_head.m_next = m_head.m_prev = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    // For owners to call where the list dies: the destructor is trivial and checks nothing.
    void assert_empty() const { VERIFY(is_empty()); }

    bool is_empty() const { return m_head.m_next == &m_head; }
    size_t size_slow() const {
        size_t n = 0;
        for (auto* p = m_head.m_next; p != &m_head; p = p->m_next)
            ++n;
        return n;
    }

    void push_back(T& item) { insert_before(&m_head, node_of(item)); }
    void push_front(T& item) { insert_before(m_head.m_next, node_of(item)); }
    // Inserts `item` just before `position`, which must already be in this list.
    void insert_before(T& position, T& item) { insert_before(node_of(position), node_of(item)); }

    static void remove(T& item) { node_of(item)->unlink(); }

    T* first() const { return is_empty() ? nullptr : owner_of(m_head.m_next); }
    T* last() const { return is_empty() ? nullptr : owner_of(m_head.m_prev); }
    T* take_first() {
        T* item = first();
        if (item)
            remove(*item);
        return item;
    }
    T* next(T& item) const {
        auto* n = node_of(item)->m_next;
        return n == &m_head ? nullptr : owner_of(n);
    }
    bool contains_slow(const T& item) const {
        for (auto* p = m_head.m_next; p != &m_head; p = p->m_next)
            if (p == node_of(item))
                return true;
        return false;
    }

    class Iterator {
    public:
        explicit Iterator(IntrusiveListNode* node) : m_node(node), m_next(node->m_next) {}
        T& operator*() const { return *owner_of(m_node); }
        T* operator->() const { return owner_of(m_node); }
        // Advancing uses the successor saved before the current item was handed out, so the
        // loop body may remove the current item (list_for_each_entry_safe).
        Iterator& operator++() {
            m_node = m_next;
            m_next = m_node->m_next;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_node == other.m_node; }

    private:
        IntrusiveListNode* m_node;
        IntrusiveListNode* m_next;
    };
    Iterator begin() { return Iterator(m_head.m_next); }
    Iterator end() { return Iterator(&m_head); }

private:
    static IntrusiveListNode* node_of(T& item) { return &(item.*member); }
    static const IntrusiveListNode* node_of(const T& item) { return &(item.*member); }
    static T* owner_of(IntrusiveListNode* node) {
        // The offset of the member inside T, computed without a null-pointer trick.
        auto offset = reinterpret_cast<uintptr_t>(&(reinterpret_cast<T*>(0x1000)->*member)) - 0x1000;
        return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(node) - offset);
    }
    static void insert_before(IntrusiveListNode* position, IntrusiveListNode* node) {
        VERIFY(!node->is_linked());
        node->m_next = position;
        node->m_prev = position->m_prev;
        position->m_prev->m_next = node;
        position->m_prev = node;
    }

    IntrusiveListNode m_head;
};

// What lets lists and their elements be constinit globals (see the top of this file).
namespace intrusive_list_detail {
struct Element {
    IntrusiveListNode node;
};
using List = IntrusiveList<Element, &Element::node>;
static_assert(std::is_trivially_destructible_v<IntrusiveListNode>);
static_assert(std::is_trivially_destructible_v<List>);
static_assert([] {
    List list;  // constant-evaluated: the constructor is constexpr
    (void)list;
    return true;
}());
}  // namespace intrusive_list_detail

}  // namespace kernel
