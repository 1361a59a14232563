#pragma once
// Intrusive reference counting: Linux's get_*()/put_*() pairs become copying and dropping a
// RefPtr. The count lives in the object (RefCounted<T>), so taking a reference never allocates.
#include "lib/Assert.h"
#include "lib/kstd.h"

namespace kernel {

template <typename T>
class RefCounted {
public:
    RefCounted() = default;
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() const {
        auto old = m_ref_count.fetch_add(1, std::memory_order_relaxed);
        VERIFY(old > 0);
    }
    // Drops one reference; the last one destroys the object through T's destructor and delete.
    void unref() const {
        auto old = m_ref_count.fetch_sub(1, std::memory_order_acq_rel);
        VERIFY(old > 0);
        if (old == 1)
            delete static_cast<const T*>(this);
    }
    uint32_t ref_count() const { return m_ref_count.load(std::memory_order_relaxed); }

protected:
    ~RefCounted() = default;

private:
    mutable std::atomic<uint32_t> m_ref_count{1};
};

template <typename T>
class NonnullRefPtr;

// Adopts the initial reference of a freshly created object.
enum class AdoptTag { Adopt };

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(std::nullptr_t) {}
    RefPtr(T* ptr) : m_ptr(ptr) {
        if (m_ptr)
            m_ptr->ref();
    }
    RefPtr(T& ref) : RefPtr(&ref) {}
    RefPtr(AdoptTag, T* ptr) : m_ptr(ptr) {}
    RefPtr(const RefPtr& other) : RefPtr(other.m_ptr) {}
    RefPtr(RefPtr&& other) : m_ptr(std::exchange(other.m_ptr, nullptr)) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(const NonnullRefPtr<U>& other) : RefPtr(other.ptr()) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(NonnullRefPtr<U>&& other) : m_ptr(other.leak_ref()) {}
    ~RefPtr() { clear(); }

    RefPtr& operator=(const RefPtr& other) {
        RefPtr tmp(other);
        swap(tmp);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other) {
        RefPtr tmp(std::move(other));
        swap(tmp);
        return *this;
    }
    RefPtr& operator=(std::nullptr_t) {
        clear();
        return *this;
    }

    void clear() {
        if (auto* p = std::exchange(m_ptr, nullptr))
            p->unref();
    }
    void swap(RefPtr& other) { std::swap(m_ptr, other.m_ptr); }
    [[nodiscard]] T* leak_ref() { return std::exchange(m_ptr, nullptr); }

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
    bool is_null() const { return m_ptr == nullptr; }
    bool operator==(const RefPtr& other) const { return m_ptr == other.m_ptr; }
    bool operator==(const T* other) const { return m_ptr == other; }

private:
    T* m_ptr{nullptr};
};

template <typename T>
class NonnullRefPtr {
public:
    NonnullRefPtr(T& ref) : m_ptr(&ref) { m_ptr->ref(); }
    NonnullRefPtr(AdoptTag, T& ref) : m_ptr(&ref) {}
    NonnullRefPtr(const NonnullRefPtr& other) : NonnullRefPtr(*other.m_ptr) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    NonnullRefPtr(const NonnullRefPtr<U>& other) : NonnullRefPtr(*other.ptr()) {}
    // Moving leaves the source empty; only its destructor (or assignment) may touch it again.
    NonnullRefPtr(NonnullRefPtr&& other) : m_ptr(other.leak_ref()) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    NonnullRefPtr(NonnullRefPtr<U>&& other) : m_ptr(other.leak_ref()) {}
    ~NonnullRefPtr() {
        if (m_ptr)
            m_ptr->unref();
    }
    NonnullRefPtr& operator=(const NonnullRefPtr& other) {
        NonnullRefPtr tmp(other);
        std::swap(m_ptr, tmp.m_ptr);
        return *this;
    }
    NonnullRefPtr& operator=(NonnullRefPtr&& other) {
        NonnullRefPtr tmp(std::move(other));
        std::swap(m_ptr, tmp.m_ptr);
        return *this;
    }

    [[nodiscard]] T* leak_ref() { return std::exchange(m_ptr, nullptr); }
    T* ptr() const {
        VERIFY(m_ptr);
        return m_ptr;
    }
    T* operator->() const { return ptr(); }
    T& operator*() const { return *ptr(); }
    bool operator==(const NonnullRefPtr& other) const { return m_ptr == other.m_ptr; }

private:
    T* m_ptr;
};

template <typename T>
NonnullRefPtr<T> adopt_ref(T& object) {
    return NonnullRefPtr<T>(AdoptTag::Adopt, object);
}

}  // namespace kernel
