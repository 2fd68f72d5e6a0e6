// A minimal std::expected / std::unexpected for compilers whose standard library hides them.
//
// Why: the fuzz harness must build with clang-14 (-fsanitize=fuzzer), and Debian 12's
// libstdc++ 12 only declares std::expected when __cpp_concepts >= 202002L, which clang 14
// (201907L) does not reach. g++ builds never include this file: result.hpp uses it only when
// <expected> declared nothing, and names either one pyxray::expected / pyxray::unexpected (a
// program may not add names to namespace std). It covers only what pyxray uses.
#pragma once

#include <initializer_list>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

namespace pyxray::compat {

template <class E>
class unexpected {
public:
    template <class Err = E, class = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<Err>, unexpected> &&
                                                      std::is_constructible_v<E, Err>>>
    constexpr explicit unexpected(Err&& error) : error_(std::forward<Err>(error)) {}
    constexpr const E& error() const& noexcept { return error_; }
    constexpr E& error() & noexcept { return error_; }
    constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_;
};

template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class expected {
public:
    using value_type = T;
    using error_type = E;

    constexpr expected() requires std::is_default_constructible_v<T> : state_(std::in_place_index<0>) {}
    template <class U = T,
              class = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<U>, expected> &&
                                       !std::is_same_v<std::remove_cvref_t<U>, std::in_place_t> &&
                                       std::is_constructible_v<T, U>>>
    constexpr expected(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}
    template <class G>
    constexpr expected(const unexpected<G>& error) : state_(std::in_place_index<1>, error.error()) {}
    template <class G>
    constexpr expected(unexpected<G>&& error) : state_(std::in_place_index<1>, std::move(error).error()) {}

    constexpr bool has_value() const noexcept { return state_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr T& operator*() & noexcept { return *std::get_if<0>(&state_); }
    constexpr const T& operator*() const& noexcept { return *std::get_if<0>(&state_); }
    constexpr T&& operator*() && noexcept { return std::move(*std::get_if<0>(&state_)); }
    constexpr T* operator->() noexcept { return std::get_if<0>(&state_); }
    constexpr const T* operator->() const noexcept { return std::get_if<0>(&state_); }
    // No exceptions on target data: value() of an error is a programming error, as with *.
    constexpr T& value() & noexcept { return **this; }
    constexpr const T& value() const& noexcept { return **this; }
    constexpr T&& value() && noexcept { return std::move(**this); }

    constexpr E& error() & noexcept { return *std::get_if<1>(&state_); }
    constexpr const E& error() const& noexcept { return *std::get_if<1>(&state_); }
    constexpr E&& error() && noexcept { return std::move(*std::get_if<1>(&state_)); }

    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
    }
    template <class U>
    constexpr T value_or(U&& fallback) && {
        return has_value() ? std::move(**this) : static_cast<T>(std::forward<U>(fallback));
    }
    template <class... Args>
    constexpr T& emplace(Args&&... args) {
        return state_.template emplace<0>(std::forward<Args>(args)...);
    }

private:
    std::variant<T, E> state_;
};

template <class E>
class expected<void, E> {
public:
    using value_type = void;
    using error_type = E;

    constexpr expected() noexcept = default;
    template <class G>
    constexpr expected(const unexpected<G>& error) : error_(error.error()), failed_(true) {}
    template <class G>
    constexpr expected(unexpected<G>&& error) : error_(std::move(error).error()), failed_(true) {}

    constexpr bool has_value() const noexcept { return !failed_; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr void operator*() const noexcept {}
    constexpr void value() const noexcept {}
    constexpr E& error() & noexcept { return error_; }
    constexpr const E& error() const& noexcept { return error_; }
    constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_{};
    bool failed_ = false;
};

}  // namespace pyxray::compat
