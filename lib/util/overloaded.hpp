// Overloaded: a visitor for std::visit made of lambdas, one per alternative.
#pragma once

namespace sqlcron::util {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace sqlcron::util
