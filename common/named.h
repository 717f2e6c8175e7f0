// find_named(): the element of a list of named things (anything with a
// `name` member comparable with a string_view: config sections, targets,
// limit specs) whose name is `name`, or nullptr. A const list gives a const
// pointer. Linear: these lists are short and looked up off the I/O path.
#pragma once

#include <iterator>
#include <string_view>

namespace esan {

template <class Items>
auto find_named(Items& items, std::string_view name) -> decltype(&*std::begin(items)) {
  for (auto& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

}  // namespace esan
