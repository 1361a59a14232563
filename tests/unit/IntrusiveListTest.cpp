// Hosted tests for lib/IntrusiveList.h: the list links nodes embedded in the elements, so every
// test leaves elements unlinked before they die. The destructors are trivial (so lists can be
// constinit globals) and check nothing: owners check explicitly, with assert_empty() and
// VERIFY(!node.is_linked()).
#include <gtest/gtest.h>

#include <vector>

#include "lib/IntrusiveList.h"

using namespace kernel;

namespace {

struct Item {
    constexpr explicit Item(int v) : value(v) {}
    int value;
    IntrusiveListNode node;
    IntrusiveListNode other_node;  // an element may sit on two lists at once
};

using List = IntrusiveList<Item, &Item::node>;
using OtherList = IntrusiveList<Item, &Item::other_node>;

// A polymorphic element whose node is not the first member: owner_of() must subtract the
// right offset (the vtable pointer comes first).
struct Polymorphic {
    virtual ~Polymorphic() = default;
    virtual int get() const { return value; }
    long padding[3]{};
    int value{0};
    IntrusiveListNode node;
};
using PolyList = IntrusiveList<Polymorphic, &Polymorphic::node>;

template <typename L>
std::vector<int> values(L& list) {
    std::vector<int> out;
    for (auto& item : list)
        out.push_back(item.value);
    return out;
}

template <typename L>
void clear(L& list) {
    while (list.take_first()) {
    }
}

// A list and an element with static storage, constant-initialised: no .init_array entry and
// no exit-time destructor (what the scheduler's task lists and run queues rely on).
constinit List s_constinit_list;
constinit Item s_constinit_item(42);
// An array needs the `= {}`: without it g++ 12 zero-fills the heads (see IntrusiveList.h).
constinit List s_constinit_lists[2] = {};

}  // namespace

// Elements holding nodes stay trivially destructible too.
static_assert(std::is_trivially_destructible_v<Item>);

TEST(IntrusiveList, ConstinitGlobal) {
    EXPECT_TRUE(s_constinit_list.is_empty());
    EXPECT_EQ(s_constinit_list.first(), nullptr);
    s_constinit_list.push_back(s_constinit_item);
    EXPECT_EQ(s_constinit_list.first(), &s_constinit_item);
    EXPECT_EQ(s_constinit_list.take_first()->value, 42);
    EXPECT_TRUE(s_constinit_list.is_empty());
    s_constinit_list.assert_empty();
}

TEST(IntrusiveList, ConstinitArrayOfLists) {
    for (auto& list : s_constinit_lists) {
        EXPECT_TRUE(list.is_empty());
        EXPECT_EQ(list.begin(), list.end());
        list.push_front(s_constinit_item);
        EXPECT_EQ(list.last(), &s_constinit_item);
        List::remove(s_constinit_item);
        list.assert_empty();
    }
}

TEST(IntrusiveList, StartsEmpty) {
    List list;
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.size_slow(), 0u);
    EXPECT_EQ(list.first(), nullptr);
    EXPECT_EQ(list.last(), nullptr);
    EXPECT_EQ(list.take_first(), nullptr);
    EXPECT_EQ(list.begin(), list.end());
}

TEST(IntrusiveList, PushBackAndFront) {
    Item a(1), b(2), c(3);
    List list;
    list.push_back(b);
    list.push_back(c);
    list.push_front(a);
    EXPECT_FALSE(list.is_empty());
    EXPECT_EQ(list.size_slow(), 3u);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(list.last(), &c);
    EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3}));
    EXPECT_TRUE(a.node.is_linked());
    EXPECT_FALSE(a.other_node.is_linked());
    clear(list);
}

TEST(IntrusiveList, Next) {
    Item a(1), b(2);
    List list;
    list.push_back(a);
    list.push_back(b);
    EXPECT_EQ(list.next(a), &b);
    EXPECT_EQ(list.next(b), nullptr);
    clear(list);
}

TEST(IntrusiveList, TakeFirstPopsInOrder) {
    Item a(1), b(2), c(3);
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    EXPECT_EQ(list.take_first(), &a);
    EXPECT_FALSE(a.node.is_linked());
    EXPECT_EQ(list.take_first(), &b);
    EXPECT_EQ(list.size_slow(), 1u);
    EXPECT_EQ(list.first(), &c);
    EXPECT_EQ(list.last(), &c);
    EXPECT_EQ(list.take_first(), &c);
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.take_first(), nullptr);
}

TEST(IntrusiveList, RemoveFromMiddleHeadTail) {
    Item a(1), b(2), c(3), d(4);
    List list;
    for (Item* i : {&a, &b, &c, &d})
        list.push_back(*i);
    List::remove(b);
    EXPECT_FALSE(b.node.is_linked());
    EXPECT_EQ(values(list), (std::vector<int>{1, 3, 4}));
    List::remove(a);
    EXPECT_EQ(list.first(), &c);
    List::remove(d);
    EXPECT_EQ(list.last(), &c);
    EXPECT_EQ(values(list), (std::vector<int>{3}));
    List::remove(c);
    EXPECT_TRUE(list.is_empty());
}

TEST(IntrusiveList, UnlinkViaNode) {
    Item a(1), b(2);
    List list;
    list.push_back(a);
    list.push_back(b);
    a.node.unlink();
    EXPECT_EQ(values(list), (std::vector<int>{2}));
    clear(list);
}

TEST(IntrusiveList, UnlinkWhenUnlinkedIsNoop) {
    Item a(1), b(2);
    EXPECT_FALSE(a.node.is_linked());
    a.node.unlink();
    List::remove(a);
    EXPECT_FALSE(a.node.is_linked());

    // Removing twice from a live list must not disturb the others.
    List list;
    list.push_back(a);
    list.push_back(b);
    List::remove(a);
    List::remove(a);
    a.node.unlink();
    EXPECT_EQ(values(list), (std::vector<int>{2}));
    EXPECT_EQ(list.first(), &b);
    EXPECT_EQ(list.last(), &b);
    clear(list);
}

TEST(IntrusiveList, InsertBefore) {
    Item a(1), b(2), c(3), d(4);
    List list;
    list.push_back(b);
    list.push_back(d);
    list.insert_before(d, c);  // middle
    list.insert_before(b, a);  // becomes first
    EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(list.last(), &d);
    clear(list);
}

TEST(IntrusiveList, ReinsertAfterRemove) {
    Item a(1), b(2);
    List list;
    list.push_back(a);
    list.push_back(b);
    List::remove(a);
    list.push_back(a);
    EXPECT_EQ(values(list), (std::vector<int>{2, 1}));
    clear(list);
}

TEST(IntrusiveList, Contains) {
    Item a(1), b(2), c(3);
    List list;
    List other;
    list.push_back(a);
    list.push_back(b);
    other.push_back(c);
    EXPECT_TRUE(list.contains_slow(a));
    EXPECT_TRUE(list.contains_slow(b));
    EXPECT_FALSE(list.contains_slow(c));
    EXPECT_TRUE(other.contains_slow(c));
    const Item& const_a = a;
    EXPECT_TRUE(list.contains_slow(const_a));
    List::remove(a);
    EXPECT_FALSE(list.contains_slow(a));
    clear(list);
    clear(other);
}

TEST(IntrusiveList, RemoveCurrentDuringIteration) {
    Item items[] = {Item(1), Item(2), Item(3), Item(4), Item(5), Item(6)};
    List list;
    for (auto& i : items)
        list.push_back(i);
    std::vector<int> visited;
    for (auto& item : list) {
        visited.push_back(item.value);
        if (item.value % 2 == 0)
            List::remove(item);
    }
    EXPECT_EQ(visited, (std::vector<int>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(values(list), (std::vector<int>{1, 3, 5}));
    EXPECT_EQ(list.size_slow(), 3u);

    // Removing every element as it is visited empties the list.
    visited.clear();
    for (auto& item : list) {
        visited.push_back(item.value);
        List::remove(item);
    }
    EXPECT_EQ(visited, (std::vector<int>{1, 3, 5}));
    EXPECT_TRUE(list.is_empty());
}

TEST(IntrusiveList, RemoveLastDuringIteration) {
    Item a(1), b(2);
    List list;
    list.push_back(a);
    list.push_back(b);
    int count = 0;
    for (auto& item : list) {
        ++count;
        if (&item == &b)
            List::remove(item);
    }
    EXPECT_EQ(count, 2);
    EXPECT_EQ(values(list), (std::vector<int>{1}));
    clear(list);
}

TEST(IntrusiveList, MoveBetweenListsDuringIteration) {
    Item items[] = {Item(1), Item(2), Item(3), Item(4)};
    List from, to;
    for (auto& i : items)
        from.push_back(i);
    for (auto& item : from) {
        if (item.value > 2) {
            List::remove(item);
            to.push_back(item);
        }
    }
    EXPECT_EQ(values(from), (std::vector<int>{1, 2}));
    EXPECT_EQ(values(to), (std::vector<int>{3, 4}));
    clear(from);
    clear(to);
}

TEST(IntrusiveList, IteratorArrow) {
    Item a(7);
    List list;
    list.push_back(a);
    auto it = list.begin();
    EXPECT_EQ(it->value, 7);
    EXPECT_EQ((*it).value, 7);
    ++it;
    EXPECT_EQ(it, list.end());
    clear(list);
}

TEST(IntrusiveList, TwoListsOneElement) {
    Item a(1), b(2);
    List list;
    OtherList other;
    list.push_back(a);
    list.push_back(b);
    other.push_back(b);
    other.push_back(a);
    EXPECT_EQ(values(list), (std::vector<int>{1, 2}));
    EXPECT_EQ(values(other), (std::vector<int>{2, 1}));
    List::remove(a);
    EXPECT_TRUE(a.other_node.is_linked());
    EXPECT_EQ(values(other), (std::vector<int>{2, 1}));
    clear(list);
    clear(other);
}

TEST(IntrusiveList, PolymorphicElements) {
    Polymorphic p[3];
    p[0].value = 10;
    p[1].value = 20;
    p[2].value = 30;
    PolyList list;
    for (auto& e : p)
        list.push_back(e);
    EXPECT_EQ(list.first(), &p[0]);
    EXPECT_EQ(list.last(), &p[2]);
    int sum = 0;
    for (auto& e : list)
        sum += e.get();
    EXPECT_EQ(sum, 60);
    EXPECT_EQ(list.take_first()->get(), 10);
    clear(list);
}

TEST(IntrusiveListDeathTest, DoubleInsertPanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            Item a(1);
            List list;
            list.push_back(a);
            list.push_back(a);
        },
        "PANIC");
}

TEST(IntrusiveListDeathTest, AssertEmptyOnNonEmptyListPanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            Item a(1);
            List list;
            list.push_back(a);
            list.assert_empty();
        },
        "VERIFY");
}

// Destroying linked nodes or a non-empty list is no longer caught by a destructor; the owner's
// explicit checks are what catch it (free_task, SlabCache::destroy, PageAllocator::free).
TEST(IntrusiveList, EmptyListAndUnlinkedNodesPassTheOwnersChecks) {
    Item a(1);
    List list;
    list.assert_empty();
    list.push_back(a);
    EXPECT_TRUE(a.node.is_linked());
    List::remove(a);
    EXPECT_FALSE(a.node.is_linked());
    list.assert_empty();
}
