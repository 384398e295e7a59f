// ankerl/unordered_dense.h stand-in for building mediasoup-worker against Debian 12.
//
// mediasoup uses martinus/unordered_dense (not packaged by Debian) only as a faster
// drop-in for std::unordered_map / std::unordered_set, plus its hash<T> functor for
// single fields that it combines itself (Utils::Crypto::HashCombine). This header maps
// those names onto the standard library. Differences that do not matter to the worker:
// iteration order is unspecified instead of insertion order, and std::hash of an
// integer is the identity (the worker's HashCombine mixes the fields anyway).
// Anything else from the real library is deliberately left undeclared, so that a newer
// mediasoup that starts to use more of it fails to compile instead of misbehaving.

#ifndef TALKBUS_ANKERL_UNORDERED_DENSE_SHIM_H
#define TALKBUS_ANKERL_UNORDERED_DENSE_SHIM_H

#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	template<class T>
	using hash = std::hash<T>;

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<class Key, class Hash = hash<Key>, class KeyEqual = std::equal_to<Key>, class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense

#endif
