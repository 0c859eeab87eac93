#include "tests/graph/dot_parser.h"

#include <cctype>
#include <utility>

namespace lp::testing {
namespace {

struct Token {
  enum Kind { kId, kPunct, kEnd } kind;
  std::string text;
};

// Splits DOT into identifiers (quoted or bare) and punctuation ({ } [ ] = ; , ->).
bool Tokenize(const std::string& text, std::vector<Token>& out, std::string* error) {
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"') {
      std::string value;
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) {
          const char next = text[i + 1];
          value += next == 'n' ? '\n' : next;
          i += 2;
        } else {
          value += text[i++];
        }
      }
      if (i >= text.size()) {
        *error = "unterminated quoted string";
        return false;
      }
      ++i;
      out.push_back({Token::kId, std::move(value)});
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '>') {
      out.push_back({Token::kPunct, "->"});
      i += 2;
    } else if (std::string("{}[]=;,").find(c) != std::string::npos) {
      out.push_back({Token::kPunct, std::string(1, c)});
      ++i;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
               c == '#') {
      size_t end = i;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                   text[end] == '_' || text[end] == '.' || text[end] == '#')) {
        ++end;
      }
      out.push_back({Token::kId, text.substr(i, end - i)});
      i = end;
    } else {
      *error = std::string("unexpected character '") + c + "'";
      return false;
    }
  }
  out.push_back({Token::kEnd, ""});
  return true;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string* error)
      : tokens_(std::move(tokens)), error_(error) {}

  std::optional<DotGraph> Parse() {
    if (!Expect("digraph")) return std::nullopt;
    graph_.name = Next().text;
    if (!Expect("{") || !Statements("")) return std::nullopt;
    return std::move(graph_);
  }

 private:
  const Token& Peek() const { return tokens_[position_]; }
  const Token& Next() { return tokens_[position_ < tokens_.size() - 1 ? position_++ : position_]; }
  bool Is(const char* text) const { return Peek().text == text && Peek().kind != Token::kEnd; }
  bool Fail(const std::string& what) {
    *error_ = what + " at token " + std::to_string(position_) + " ('" + Peek().text + "')";
    return false;
  }
  bool Expect(const char* text) {
    if (!Is(text)) return Fail(std::string("expected '") + text + "'");
    Next();
    return true;
  }

  // [a=b, c=d]: optional.
  bool Attributes(std::map<std::string, std::string>& out) {
    if (!Is("[")) return true;
    Next();
    while (!Is("]")) {
      if (Peek().kind != Token::kId) return Fail("expected an attribute name");
      std::string name = Next().text;
      if (!Expect("=")) return false;
      if (Peek().kind != Token::kId) return Fail("expected an attribute value");
      out[name] = Next().text;
      if (Is(",") || Is(";")) Next();
    }
    Next();
    return true;
  }

  // Statements up to the closing brace of the current (sub)graph.
  bool Statements(const std::string& cluster) {
    while (!Is("}")) {
      if (Peek().kind == Token::kEnd) return Fail("missing '}'");
      if (Is(";")) {
        Next();
        continue;
      }
      if (Is("subgraph")) {
        Next();
        DotCluster sub{Next().text, cluster, {}};
        if (!Expect("{")) return false;
        const std::string name = sub.name;
        graph_.clusters[name] = std::move(sub);
        if (!Statements(name)) return false;
        continue;
      }
      if (Is("graph") || Is("node") || Is("edge")) {
        Next();
        std::map<std::string, std::string> ignored;
        if (!Attributes(ignored)) return false;
        continue;
      }
      if (Peek().kind != Token::kId) return Fail("expected a statement");
      std::string id = Next().text;
      if (Is("=")) {  // an attribute of the enclosing (sub)graph
        Next();
        std::string value = Next().text;
        if (!cluster.empty()) graph_.clusters[cluster].attributes[id] = std::move(value);
        continue;
      }
      if (Is("->")) {
        Next();
        DotEdge edge{std::move(id), Next().text, {}};
        if (!Attributes(edge.attributes)) return false;
        graph_.edges.push_back(std::move(edge));
        continue;
      }
      DotNode node{id, cluster, {}};
      if (!Attributes(node.attributes)) return false;
      graph_.nodes[id] = std::move(node);
    }
    Next();
    return true;
  }

  std::vector<Token> tokens_;
  std::string* error_;
  size_t position_ = 0;
  DotGraph graph_;
};

}  // namespace

std::optional<DotGraph> ParseDot(const std::string& text, std::string* error) {
  std::vector<Token> tokens;
  if (!Tokenize(text, tokens, error)) return std::nullopt;
  return Parser(std::move(tokens), error).Parse();
}

}  // namespace lp::testing
