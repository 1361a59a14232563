#pragma once
// Single ownership (unique_ptr without the std allocator machinery) and the fallible
// constructors every kernel allocation goes through. There is deliberately no throwing
// `operator new` in the kernel: `new T` does not link, `try_make<T>()` does.
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

template <typename T>
class OwnPtr {
public:
    OwnPtr() = default;
    OwnPtr(std::nullptr_t) {}
    explicit OwnPtr(T* ptr) : m_ptr(ptr) {}
    OwnPtr(const OwnPtr&) = delete;
    OwnPtr& operator=(const OwnPtr&) = delete;
    OwnPtr(OwnPtr&& other) : m_ptr(other.leak_ptr()) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    OwnPtr(OwnPtr<U>&& other) : m_ptr(other.leak_ptr()) {}
    OwnPtr& operator=(OwnPtr&& other) {
        OwnPtr tmp(std::move(other));
        std::swap(m_ptr, tmp.m_ptr);
        return *this;
    }
    ~OwnPtr() { clear(); }

    void clear() { delete std::exchange(m_ptr, nullptr); }
    [[nodiscard]] T* leak_ptr() { return std::exchange(m_ptr, nullptr); }
    T* ptr() const { return m_ptr; }
    T* operator->() const {
        VERIFY(m_ptr);
        return m_ptr;
    }
    T& operator*() const {
        VERIFY(m_ptr);
        return *m_ptr;
    }
    explicit operator bool() const { return m_ptr != nullptr; }

private:
    T* m_ptr{nullptr};
};

// Allocates and constructs a T; ENOMEM when the allocator says no (including when fault
// injection says no: that is how the failure paths get exercised).
template <typename T, typename... Args>
ErrorOr<OwnPtr<T>> try_make(Args&&... args) {
    T* p = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!p)
        return Error::from_errno(ENOMEM);
    return OwnPtr<T>(p);
}

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<T>> try_make_ref_counted(Args&&... args) {
    T* p = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!p)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*p);
}

}  // namespace kernel
