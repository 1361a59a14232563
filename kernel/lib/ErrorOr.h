#pragma once
// ErrorOr<T>: a value or a Linux errno, the kernel's replacement for ERR_PTR()/IS_ERR() and
// `int` error returns. Exactly one place turns it into `-errno`: the syscall boundary.
#include "lib/Assert.h"
#include "lib/Errno.h"
#include "lib/kstd.h"

namespace kernel {

class Error {
public:
    static constexpr Error from_errno(int code) { return Error(code); }
    constexpr int code() const { return m_code; }
    constexpr bool operator==(const Error&) const = default;

private:
    constexpr explicit Error(int code) : m_code(code) {}
    int m_code;
};

template <typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(Error error) : m_is_error(true), m_error(error) {}
    template <typename U>
        requires std::is_convertible_v<U&&, T> && (!std::is_same_v<std::remove_cvref_t<U>, Error>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, ErrorOr>)
    ErrorOr(U&& value) : m_is_error(false) {
        new (&m_storage) T(std::forward<U>(value));
    }
    ErrorOr(ErrorOr&& other) : m_is_error(other.m_is_error), m_error(other.m_error) {
        if (!m_is_error)
            new (&m_storage) T(std::move(other.value_ref()));
    }
    ErrorOr(const ErrorOr&) = delete;
    ErrorOr& operator=(const ErrorOr&) = delete;
    ErrorOr& operator=(ErrorOr&&) = delete;
    ~ErrorOr() {
        if (!m_is_error)
            value_ref().~T();
    }

    bool is_error() const { return m_is_error; }
    Error error() const {
        VERIFY(m_is_error);
        return m_error;
    }
    Error release_error() { return error(); }
    T& value() {
        VERIFY(!m_is_error);
        return value_ref();
    }
    const T& value() const {
        VERIFY(!m_is_error);
        return value_ref();
    }
    T release_value() {
        VERIFY(!m_is_error);
        return std::move(value_ref());
    }

private:
    T& value_ref() { return *std::launder(reinterpret_cast<T*>(&m_storage)); }
    const T& value_ref() const { return *std::launder(reinterpret_cast<const T*>(&m_storage)); }

    bool m_is_error;
    Error m_error{Error::from_errno(0)};
    alignas(T) unsigned char m_storage[sizeof(T)];
};

template <>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr() = default;
    ErrorOr(Error error) : m_is_error(true), m_error(error) {}
    bool is_error() const { return m_is_error; }
    Error error() const {
        VERIFY(m_is_error);
        return m_error;
    }
    Error release_error() { return error(); }
    void release_value() { VERIFY(!m_is_error); }
    void value() const { VERIFY(!m_is_error); }

private:
    bool m_is_error{false};
    Error m_error{Error::from_errno(0)};
};

}  // namespace kernel

// Evaluates an ErrorOr expression; on error returns the error from the enclosing function,
// otherwise yields the value. Uses a GNU statement expression, as Serenity's TRY does.
#define TRY(expression)                                 \
    ({                                                  \
        auto&& _try_result = (expression);              \
        if (_try_result.is_error()) [[unlikely]]        \
            return _try_result.release_error();         \
        _try_result.release_value();                    \
    })

// For calls that cannot fail by construction: a failure is a kernel bug.
#define MUST(expression)                                \
    ({                                                  \
        auto&& _must_result = (expression);             \
        VERIFY(!_must_result.is_error());               \
        _must_result.release_value();                   \
    })
