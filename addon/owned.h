// Registries of native objects keyed by id, each object recording the
// environment (thread) that opened it: what a thread's cleanup hook takes out.
#pragma once

#include <node_api.h>

#include <mutex>
#include <vector>

// Removes from `registry` (a map of id -> shared_ptr with an `owner` field)
// every entry that `env` owns, under `mutex`, and returns them: the caller
// lets them go (closing them) outside the lock.
template <typename Map>
std::vector<typename Map::mapped_type> takeOwnedBy(Map& registry, std::mutex& mutex, napi_env env) {
  std::vector<typename Map::mapped_type> owned;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = registry.begin(); it != registry.end();) {
    if (it->second->owner == env) {
      owned.push_back(std::move(it->second));
      it = registry.erase(it);
    } else {
      ++it;
    }
  }
  return owned;
}
