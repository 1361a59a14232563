#pragma once
// Intrusive doubly-linked list in the style of Linux's list_head, typed: the node is a member
// of the element and the list names it (IntrusiveList<Task, &Task::m_run_node>). Linking never
// allocates, which is what lets the commit step of fork be infallible.
//
// Locking is the owner's business: the list does none.
#include "lib/Assert.h"
#include "lib/kstd.h"

namespace kernel {

class IntrusiveListNode {
public:
    IntrusiveListNode() = default;
    IntrusiveListNode(const IntrusiveListNode&) = delete;
    IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;
    ~IntrusiveListNode() { VERIFY(!is_linked()); }

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
    IntrusiveList() { m_head.m_next = m_head.m_prev = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;
    ~IntrusiveList() {
        VERIFY(is_empty());
        m_head.m_next = m_head.m_prev = nullptr;
    }

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
            if (p == node_of(const_cast<T&>(item)))
                return true;
        return false;
    }

    class Iterator {
    public:
        Iterator(IntrusiveListNode* node, const IntrusiveListNode* head) : m_node(node), m_head(head) {
            m_next = node->m_next;
        }
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
        const IntrusiveListNode* m_head;
    };
    Iterator begin() { return Iterator(m_head.m_next, &m_head); }
    Iterator end() { return Iterator(&m_head, &m_head); }

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

}  // namespace kernel
