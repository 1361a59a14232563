// Hosted tests for lib/ErrorOr.h: values, errors, moves, TRY/MUST propagation, ErrorOr<void>,
// and the lifetime of the contained value (constructed and destroyed exactly as often as it
// should be, which is what lets RAII unwinding in fork() be trusted).
#include <gtest/gtest.h>

#include "lib/ErrorOr.h"
#include "lib/OwnPtr.h"

using namespace kernel;

namespace {

// Counts live instances of a non-trivially-destructible type. Every constructor increments,
// every destructor decrements; a leak or a double destruction shows up as a non-zero balance
// (and a double destruction usually as a negative one).
struct Tracked {
    static inline int constructions = 0;
    static inline int destructions = 0;
    static inline int moves = 0;
    static void reset() { constructions = destructions = moves = 0; }
    static int live() { return constructions - destructions; }

    explicit Tracked(int v) : value(v) { ++constructions; }
    Tracked(const Tracked& other) : value(other.value) { ++constructions; }
    Tracked(Tracked&& other) : value(other.value) {
        other.value = -1;
        ++constructions;
        ++moves;
    }
    ~Tracked() {
        EXPECT_FALSE(destroyed) << "destroyed twice";
        destroyed = true;
        ++destructions;
    }
    int value;
    bool destroyed{false};
};

struct MoveOnly {
    explicit MoveOnly(int v) : value(v) {}
    MoveOnly(MoveOnly&& other) : value(std::exchange(other.value, 0)) {}
    MoveOnly(const MoveOnly&) = delete;
    int value;
};

ErrorOr<int> parse_positive(int v) {
    if (v < 0)
        return Error::from_errno(EINVAL);
    return v;
}

// Each TRY either yields the value or returns the callee's error from this function.
ErrorOr<int> add_positive(int a, int b, int* reached_end) {
    int x = TRY(parse_positive(a));
    int y = TRY(parse_positive(b));
    *reached_end = 1;
    return x + y;
}

ErrorOr<void> check_positive(int v) {
    if (v < 0)
        return Error::from_errno(ERANGE);
    return {};
}

ErrorOr<void> check_both(int a, int b, int* checks_passed) {
    TRY(check_positive(a));
    ++*checks_passed;
    TRY(check_positive(b));
    ++*checks_passed;
    return {};
}

// TRY converts between ErrorOr types: ErrorOr<void> errors propagate out of ErrorOr<long>.
ErrorOr<long> doubled_if_positive(int v) {
    TRY(check_positive(v));
    int value = TRY(parse_positive(v));
    return 2L * value;
}

ErrorOr<Tracked> make_tracked(int v) {
    if (v < 0)
        return Error::from_errno(ENOMEM);
    return Tracked(v);
}

ErrorOr<int> tracked_value_plus_one(int v) {
    Tracked t = TRY(make_tracked(v));
    return t.value + 1;
}

struct Widget {
    static inline int live = 0;
    explicit Widget(int v) : value(v) { ++live; }
    ~Widget() { --live; }
    int value;
};

ErrorOr<OwnPtr<Widget>> make_widget(int v) {
    if (v < 0)
        return Error::from_errno(ENOMEM);
    return TRY(try_make<Widget>(v));
}

ErrorOr<int> widget_value(int v) {
    OwnPtr<Widget> w = TRY(make_widget(v));
    return w->value;
}

}  // namespace

TEST(ErrorOr, HoldsValue) {
    ErrorOr<int> r = 42;
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 42);
    r.value() = 7;
    EXPECT_EQ(r.value(), 7);
    const ErrorOr<int>& cr = r;
    EXPECT_EQ(cr.value(), 7);
    EXPECT_EQ(r.release_value(), 7);
}

TEST(ErrorOr, HoldsError) {
    ErrorOr<int> r = Error::from_errno(ENOENT);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), ENOENT);
    EXPECT_EQ(r.error(), Error::from_errno(ENOENT));
    EXPECT_FALSE(r.error() == Error::from_errno(EPERM));
    EXPECT_EQ(r.release_error().code(), ENOENT);
}

TEST(ErrorOr, ErrnoValuesAreLinuxOnes) {
    // The UAPI numbers, not the host libc's (they agree on Linux, but the test pins the ABI).
    EXPECT_EQ(EPERM, 1);
    EXPECT_EQ(ENOENT, 2);
    EXPECT_EQ(ENOMEM, 12);
    EXPECT_EQ(EINVAL, 22);
    EXPECT_EQ(EAGAIN, 11);
}

TEST(ErrorOr, MoveValue) {
    ErrorOr<int> a = 5;
    ErrorOr<int> b(std::move(a));
    ASSERT_FALSE(b.is_error());
    EXPECT_EQ(b.value(), 5);
}

TEST(ErrorOr, MoveError) {
    ErrorOr<int> a = Error::from_errno(EBUSY);
    ErrorOr<int> b(std::move(a));
    ASSERT_TRUE(b.is_error());
    EXPECT_EQ(b.error().code(), EBUSY);
}

TEST(ErrorOr, ConvertsFromConvertibleValue) {
    short s = 3;
    ErrorOr<long> r = s;
    EXPECT_EQ(r.value(), 3L);
}

TEST(ErrorOr, TryPropagatesSuccess) {
    int reached = 0;
    auto r = add_positive(2, 3, &reached);
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 5);
    EXPECT_EQ(reached, 1);
}

TEST(ErrorOr, TryPropagatesFirstError) {
    int reached = 0;
    auto r = add_positive(-1, 3, &reached);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_EQ(reached, 0);
}

TEST(ErrorOr, TryPropagatesSecondError) {
    int reached = 0;
    auto r = add_positive(1, -3, &reached);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_EQ(reached, 0);
}

TEST(ErrorOr, TryAcrossErrorOrTypes) {
    auto ok = doubled_if_positive(21);
    ASSERT_FALSE(ok.is_error());
    EXPECT_EQ(ok.value(), 42L);
    auto bad = doubled_if_positive(-1);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), ERANGE);
}

TEST(ErrorOr, VoidSuccessAndError) {
    ErrorOr<void> ok;
    EXPECT_FALSE(ok.is_error());
    ok.value();
    ok.release_value();

    ErrorOr<void> bad = Error::from_errno(EFAULT);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), EFAULT);
    EXPECT_EQ(bad.release_error().code(), EFAULT);

    ErrorOr<void> moved(std::move(bad));
    ASSERT_TRUE(moved.is_error());
    EXPECT_EQ(moved.error().code(), EFAULT);
}

TEST(ErrorOr, TryWithVoid) {
    int passed = 0;
    EXPECT_FALSE(check_both(1, 2, &passed).is_error());
    EXPECT_EQ(passed, 2);

    passed = 0;
    auto r = check_both(1, -2, &passed);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), ERANGE);
    EXPECT_EQ(passed, 1);

    passed = 0;
    r = check_both(-1, 2, &passed);
    EXPECT_TRUE(r.is_error());
    EXPECT_EQ(passed, 0);
}

TEST(ErrorOr, MustYieldsValue) {
    int v = MUST(parse_positive(9));
    EXPECT_EQ(v, 9);
    MUST(check_positive(1));
}

TEST(ErrorOr, ValueDestroyedExactlyOnce) {
    Tracked::reset();
    {
        ErrorOr<Tracked> r = Tracked(1);
        EXPECT_FALSE(r.is_error());
        EXPECT_EQ(r.value().value, 1);
        // The temporary is gone, the contained value is alive.
        EXPECT_EQ(Tracked::live(), 1);
    }
    EXPECT_EQ(Tracked::live(), 0);
    EXPECT_EQ(Tracked::constructions, 2);  // the temporary and the moved-in copy
}

TEST(ErrorOr, ErrorConstructsNoValue) {
    Tracked::reset();
    {
        ErrorOr<Tracked> r = Error::from_errno(ENOMEM);
        EXPECT_TRUE(r.is_error());
        ErrorOr<Tracked> moved(std::move(r));
        EXPECT_TRUE(moved.is_error());
    }
    EXPECT_EQ(Tracked::constructions, 0);
    EXPECT_EQ(Tracked::destructions, 0);
}

TEST(ErrorOr, MovedValueDestroyedOncePerObject) {
    Tracked::reset();
    {
        ErrorOr<Tracked> a = Tracked(3);
        ErrorOr<Tracked> b(std::move(a));
        EXPECT_EQ(b.value().value, 3);
        EXPECT_EQ(a.value().value, -1);  // moved-from, but still a live object to destroy
        EXPECT_EQ(Tracked::live(), 2);
    }
    EXPECT_EQ(Tracked::live(), 0);
}

TEST(ErrorOr, ReleaseValueLeavesNothingBehind) {
    Tracked::reset();
    {
        ErrorOr<Tracked> r = Tracked(4);
        Tracked out = r.release_value();
        EXPECT_EQ(out.value, 4);
    }
    EXPECT_EQ(Tracked::live(), 0);
}

TEST(ErrorOr, TryWithNonTrivialValue) {
    Tracked::reset();
    auto ok = tracked_value_plus_one(10);
    ASSERT_FALSE(ok.is_error());
    EXPECT_EQ(ok.value(), 11);
    EXPECT_EQ(Tracked::live(), 0);

    Tracked::reset();
    auto bad = tracked_value_plus_one(-1);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), ENOMEM);
    EXPECT_EQ(Tracked::constructions, 0);
    EXPECT_EQ(Tracked::destructions, 0);
}

TEST(ErrorOr, MoveOnlyValue) {
    ErrorOr<MoveOnly> r = MoveOnly(8);
    ErrorOr<MoveOnly> moved(std::move(r));
    EXPECT_EQ(moved.value().value, 8);
    MoveOnly out = moved.release_value();
    EXPECT_EQ(out.value, 8);
}

TEST(ErrorOr, OwnPtrInside) {
    Widget::live = 0;
    {
        auto r = try_make<Widget>(5);
        ASSERT_FALSE(r.is_error());
        EXPECT_EQ(Widget::live, 1);
        OwnPtr<Widget> w = r.release_value();
        EXPECT_EQ(w->value, 5);
        EXPECT_EQ(Widget::live, 1);
        // The ErrorOr still holds an (empty) OwnPtr; destroying it must not free the widget.
    }
    EXPECT_EQ(Widget::live, 0);

    {
        // Never released: the ErrorOr's destructor frees the widget.
        auto r = try_make<Widget>(6);
        EXPECT_EQ(Widget::live, 1);
    }
    EXPECT_EQ(Widget::live, 0);
}

TEST(ErrorOr, OwnPtrThroughTry) {
    Widget::live = 0;
    auto ok = widget_value(12);
    ASSERT_FALSE(ok.is_error());
    EXPECT_EQ(ok.value(), 12);
    EXPECT_EQ(Widget::live, 0);

    auto bad = widget_value(-1);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), ENOMEM);
    EXPECT_EQ(Widget::live, 0);
}

TEST(ErrorOr, MoveOnlyThroughMust) {
    Widget::live = 0;
    {
        OwnPtr<Widget> w = MUST(try_make<Widget>(3));
        EXPECT_EQ(w->value, 3);
        EXPECT_EQ(Widget::live, 1);
    }
    EXPECT_EQ(Widget::live, 0);
}

// A VERIFY failure panics, which the hosted support turns into abort().
TEST(ErrorOrDeathTest, ValueOfErrorPanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    ErrorOr<int> r = Error::from_errno(EIO);
    EXPECT_DEATH((void)r.value(), "PANIC");
    ErrorOr<void> v = Error::from_errno(EIO);
    EXPECT_DEATH(v.release_value(), "PANIC");
}

TEST(ErrorOrDeathTest, ErrorOfValuePanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    ErrorOr<int> r = 1;
    EXPECT_DEATH((void)r.error(), "PANIC");
    EXPECT_DEATH((void)MUST(parse_positive(-1)), "PANIC");
}
