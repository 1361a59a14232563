// Hosted tests for lib/RefPtr.h and the ref-counted half of lib/OwnPtr.h: every copy takes a
// reference, every move transfers one, and the object dies exactly when the last one goes.
#include <gtest/gtest.h>

#include "lib/OwnPtr.h"
#include "lib/RefPtr.h"

using namespace kernel;

namespace {

struct Counted : RefCounted<Counted> {
    static inline int live = 0;
    static inline int destroyed = 0;
    static void reset() { live = destroyed = 0; }

    Counted() { ++live; }
    explicit Counted(int v) : value(v) { ++live; }
    ~Counted() {
        --live;
        ++destroyed;
    }
    int value{0};
};

// A base/derived pair, for the converting constructors. The destructor is virtual because the
// last unref deletes through RefCounted<Base>'s static type.
struct Base : RefCounted<Base> {
    static inline int live = 0;
    Base() { ++live; }
    virtual ~Base() { --live; }
    virtual int kind() const { return 1; }
};
struct Derived final : Base {
    int kind() const override { return 2; }
};

NonnullRefPtr<Counted> make_counted(int v = 0) { return MUST(try_make_ref_counted<Counted>(v)); }

}  // namespace

TEST(RefPtr, DefaultAndNullAreEmpty) {
    RefPtr<Counted> a;
    RefPtr<Counted> b = nullptr;
    EXPECT_TRUE(a.is_null());
    EXPECT_FALSE(static_cast<bool>(b));
    EXPECT_EQ(a.ptr(), nullptr);
    EXPECT_TRUE(a == b);
    EXPECT_TRUE(a == nullptr);
}

TEST(RefPtr, AdoptTakesNoExtraReference) {
    Counted::reset();
    {
        auto* raw = new Counted(1);
        RefPtr<Counted> p(AdoptTag::Adopt, raw);
        EXPECT_EQ(raw->ref_count(), 1u);
        EXPECT_EQ(p.ptr(), raw);
        EXPECT_TRUE(p == raw);
    }
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(RefPtr, AdoptRefNonnull) {
    Counted::reset();
    {
        auto p = adopt_ref(*new Counted(2));
        EXPECT_EQ(p->ref_count(), 1u);
        EXPECT_EQ(p->value, 2);
        EXPECT_EQ((*p).value, 2);
    }
    EXPECT_EQ(Counted::live, 0);
}

TEST(RefPtr, FromRawPointerTakesReference) {
    Counted::reset();
    auto owner = make_counted();
    {
        RefPtr<Counted> p(owner.ptr());
        EXPECT_EQ(owner->ref_count(), 2u);
        RefPtr<Counted> q(*owner);
        EXPECT_EQ(owner->ref_count(), 3u);
    }
    EXPECT_EQ(owner->ref_count(), 1u);
    EXPECT_EQ(Counted::live, 1);
}

TEST(RefPtr, CopyTakesReference) {
    Counted::reset();
    RefPtr<Counted> a = make_counted(5);
    EXPECT_EQ(a->ref_count(), 1u);
    {
        RefPtr<Counted> b(a);
        EXPECT_EQ(a->ref_count(), 2u);
        EXPECT_TRUE(a == b);
        EXPECT_EQ(b->value, 5);
    }
    EXPECT_EQ(a->ref_count(), 1u);
    EXPECT_EQ(Counted::live, 1);
    a = nullptr;
    EXPECT_EQ(Counted::live, 0);
}

TEST(RefPtr, MoveTransfersReference) {
    Counted::reset();
    RefPtr<Counted> a = make_counted();
    Counted* raw = a.ptr();
    RefPtr<Counted> b(std::move(a));
    EXPECT_TRUE(a.is_null());
    EXPECT_EQ(b.ptr(), raw);
    EXPECT_EQ(raw->ref_count(), 1u);
    b.clear();
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(RefPtr, CopyAssignReleasesOld) {
    Counted::reset();
    RefPtr<Counted> a = make_counted(1);
    RefPtr<Counted> b = make_counted(2);
    a = b;
    EXPECT_EQ(Counted::destroyed, 1);  // the old target of `a` went with its only reference
    EXPECT_EQ(Counted::live, 1);
    EXPECT_EQ(a->value, 2);
    EXPECT_EQ(b->ref_count(), 2u);
}

TEST(RefPtr, MoveAssignReleasesOld) {
    Counted::reset();
    RefPtr<Counted> a = make_counted(1);
    RefPtr<Counted> b = make_counted(2);
    a = std::move(b);
    EXPECT_TRUE(b.is_null());
    EXPECT_EQ(Counted::destroyed, 1);
    EXPECT_EQ(a->value, 2);
    EXPECT_EQ(a->ref_count(), 1u);
}

TEST(RefPtr, SelfAssign) {
    Counted::reset();
    RefPtr<Counted> a = make_counted(3);
    RefPtr<Counted>& alias = a;
    a = alias;
    EXPECT_EQ(Counted::live, 1);
    EXPECT_EQ(a->ref_count(), 1u);
    a = std::move(alias);
    EXPECT_EQ(Counted::live, 1);
    ASSERT_FALSE(a.is_null());
    EXPECT_EQ(a->ref_count(), 1u);
    EXPECT_EQ(a->value, 3);
}

TEST(RefPtr, AssignNullReleases) {
    Counted::reset();
    RefPtr<Counted> a = make_counted();
    a = nullptr;
    EXPECT_TRUE(a.is_null());
    EXPECT_EQ(Counted::live, 0);
    a = nullptr;  // on an empty pointer: nothing to do
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(RefPtr, LeakRefKeepsObjectAlive) {
    Counted::reset();
    Counted* raw;
    {
        RefPtr<Counted> a = make_counted();
        raw = a.leak_ref();
        EXPECT_TRUE(a.is_null());
    }
    EXPECT_EQ(Counted::live, 1);
    EXPECT_EQ(raw->ref_count(), 1u);
    // The leaked reference is re-adopted; dropping it destroys the object.
    RefPtr<Counted> again(AdoptTag::Adopt, raw);
    again.clear();
    EXPECT_EQ(Counted::live, 0);
}

TEST(RefPtr, DestroyedExactlyAtLastUnref) {
    Counted::reset();
    RefPtr<Counted> a = make_counted();
    RefPtr<Counted> b = a;
    RefPtr<Counted> c = b;
    EXPECT_EQ(a->ref_count(), 3u);
    a.clear();
    EXPECT_EQ(Counted::live, 1);
    c = nullptr;
    EXPECT_EQ(Counted::live, 1);
    EXPECT_EQ(b->ref_count(), 1u);
    b.clear();
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(RefPtr, ManualRefUnref) {
    Counted::reset();
    auto p = make_counted();
    p->ref();
    EXPECT_EQ(p->ref_count(), 2u);
    p->unref();
    EXPECT_EQ(p->ref_count(), 1u);
    EXPECT_EQ(Counted::live, 1);
}

TEST(RefPtr, Swap) {
    Counted::reset();
    RefPtr<Counted> a = make_counted(1);
    RefPtr<Counted> b = make_counted(2);
    a.swap(b);
    EXPECT_EQ(a->value, 2);
    EXPECT_EQ(b->value, 1);
    EXPECT_EQ(Counted::live, 2);
}

TEST(NonnullRefPtr, CopyTakesReference) {
    Counted::reset();
    auto a = make_counted(4);
    {
        NonnullRefPtr<Counted> b(a);
        EXPECT_EQ(a->ref_count(), 2u);
        EXPECT_TRUE(a == b);
    }
    EXPECT_EQ(a->ref_count(), 1u);
}

TEST(NonnullRefPtr, FromReferenceTakesReference) {
    Counted::reset();
    auto a = make_counted();
    {
        NonnullRefPtr<Counted> b(*a);
        EXPECT_EQ(a->ref_count(), 2u);
    }
    EXPECT_EQ(a->ref_count(), 1u);
}

TEST(NonnullRefPtr, MoveTransfersReference) {
    Counted::reset();
    {
        auto a = make_counted();
        Counted* raw = a.ptr();
        NonnullRefPtr<Counted> b(std::move(a));
        EXPECT_EQ(b.ptr(), raw);
        EXPECT_EQ(raw->ref_count(), 1u);
        // `a` is moved-from: only its destructor runs, and it must not unref.
    }
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(NonnullRefPtr, CopyAssign) {
    Counted::reset();
    auto a = make_counted(1);
    auto b = make_counted(2);
    a = b;
    EXPECT_EQ(Counted::destroyed, 1);
    EXPECT_EQ(a->value, 2);
    EXPECT_EQ(a->ref_count(), 2u);
}

TEST(NonnullRefPtr, MoveAssign) {
    Counted::reset();
    {
        auto a = make_counted(1);
        auto b = make_counted(2);
        a = std::move(b);
        EXPECT_EQ(Counted::destroyed, 1);
        EXPECT_EQ(a->value, 2);
        EXPECT_EQ(a->ref_count(), 1u);
        // A moved-from NonnullRefPtr may be assigned to again.
        b = a;
        EXPECT_EQ(a->ref_count(), 2u);
    }
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 2);
}

TEST(NonnullRefPtr, SelfAssign) {
    Counted::reset();
    auto a = make_counted(9);
    auto& alias = a;
    a = alias;
    EXPECT_EQ(a->ref_count(), 1u);
    EXPECT_EQ(Counted::live, 1);
    a = std::move(alias);
    EXPECT_EQ(a->ref_count(), 1u);
    EXPECT_EQ(a->value, 9);
    EXPECT_EQ(Counted::live, 1);
}

TEST(NonnullRefPtr, LeakRef) {
    Counted::reset();
    Counted* raw;
    {
        auto a = make_counted();
        raw = a.leak_ref();
    }
    EXPECT_EQ(Counted::live, 1);
    auto again = adopt_ref(*raw);
    EXPECT_EQ(again->ref_count(), 1u);
}

TEST(NonnullRefPtr, ToRefPtr) {
    Counted::reset();
    auto a = make_counted();
    RefPtr<Counted> copy(a);
    EXPECT_EQ(a->ref_count(), 2u);
    RefPtr<Counted> moved(std::move(a));
    EXPECT_EQ(moved->ref_count(), 2u);
    EXPECT_TRUE(copy == moved);
    RefPtr<Counted> assigned;
    assigned = make_counted();
    EXPECT_EQ(assigned->ref_count(), 1u);
    EXPECT_EQ(Counted::live, 2);
    copy.clear();
    moved.clear();
    EXPECT_EQ(Counted::live, 1);
}

TEST(NonnullRefPtr, DerivedToBase) {
    Base::live = 0;
    {
        NonnullRefPtr<Derived> d = MUST(try_make_ref_counted<Derived>());
        NonnullRefPtr<Base> b(d);
        EXPECT_EQ(b->ref_count(), 2u);
        EXPECT_EQ(b->kind(), 2);
        NonnullRefPtr<Base> moved(std::move(d));
        EXPECT_EQ(moved->ref_count(), 2u);
        RefPtr<Base> r(moved);
        EXPECT_EQ(r->ref_count(), 3u);
        EXPECT_EQ(Base::live, 1);
    }
    EXPECT_EQ(Base::live, 0);
}

TEST(TryMake, RefCounted) {
    Counted::reset();
    {
        auto r = try_make_ref_counted<Counted>(17);
        ASSERT_FALSE(r.is_error());
        NonnullRefPtr<Counted> p = r.release_value();
        EXPECT_EQ(p->value, 17);
        EXPECT_EQ(p->ref_count(), 1u);
        EXPECT_EQ(Counted::live, 1);
    }
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 1);
}

TEST(TryMake, RefCountedNeverReleased) {
    Counted::reset();
    {
        auto r = try_make_ref_counted<Counted>();
        EXPECT_EQ(Counted::live, 1);
    }
    EXPECT_EQ(Counted::live, 0);
}

TEST(TryMake, OwnPtr) {
    Counted::reset();
    {
        auto r = try_make<Counted>(3);
        ASSERT_FALSE(r.is_error());
        OwnPtr<Counted> p = r.release_value();
        ASSERT_TRUE(static_cast<bool>(p));
        EXPECT_EQ(p->value, 3);
        OwnPtr<Counted> moved(std::move(p));
        EXPECT_FALSE(static_cast<bool>(p));
        EXPECT_EQ((*moved).value, 3);
        OwnPtr<Counted> other = MUST(try_make<Counted>(4));
        other = std::move(moved);
        EXPECT_EQ(Counted::destroyed, 1);
        EXPECT_EQ(other->value, 3);
        Counted* leaked = other.leak_ptr();
        EXPECT_EQ(other.ptr(), nullptr);
        OwnPtr<Counted> readopted(leaked);
        EXPECT_EQ(Counted::live, 1);
    }
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(Counted::destroyed, 2);
}

TEST(RefPtrDeathTest, NullDereferencePanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    RefPtr<Counted> empty;
    EXPECT_DEATH((void)empty->value, "PANIC");
}
