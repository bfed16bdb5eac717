#include <gtest/gtest.h>

#include "reins/error.hpp"
#include "reins/units.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

struct SizeCase {
  const char* text;
  std::uint64_t bytes;
};

TEST(Units, ParsesSizesOfEveryForm) {
  const SizeCase cases[] = {
      {"0", 0},
      {"4096", 4096},
      {"17B", 17},
      {"1K", 1024},
      {"512M", 512ull << 20},
      {"1.5G", 3ull << 29},
      {"2GiB", 2ull << 30},
      {"1000KB", 1000000},
      {"1MB", 1000000},
      {"1T", 1ull << 40},
      {"2TB", 2000000000000},
      {" 64M ", 64ull << 20},
      {"1 G", 1ull << 30},
      {"0.5K", 512},
      {"1PiB", 1ull << 50},
      {"2g", 2ull << 30},  // docker's --memory 2g, java's -Xmx2g
      {"512m", 512ull << 20},
      {"64k", 64ull << 10},
      {"1t", 1ull << 40},
      {"3b", 3},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_size(c.text), c.bytes) << c.text;
}

TEST(Units, RejectsBadSizesQuotingThem) {
  for (const char* bad : {"", "M", "-1", "1.5.5G", "12Q", "1e3", "1,5G", "0x10", "1G2", ".5G", "5.G", "abc",
                          "99999999999999999999", "20000P", "2gb", "1kb"}) {
    try {
      parse_size(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("512M"), std::string::npos) << "shows a valid example: " << e.what();
      EXPECT_EQ(e.code().value(), EINVAL);
    }
  }
}

TEST(Units, InfinityIsALimitNotASize) {
  EXPECT_EQ(parse_size_limit("infinity"), std::nullopt);
  EXPECT_EQ(parse_size_limit("unlimited"), std::nullopt);
  EXPECT_EQ(parse_size_limit("1K"), 1024u);
  EXPECT_THROW(parse_size("infinity"), InvalidArgument);
}

TEST(Units, ParsesDurations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("1m30s"), 90s);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("3"), 3s);
  EXPECT_EQ(parse_duration("0.5"), 500ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("10us"), 10us);
  EXPECT_EQ(parse_duration("7ns"), 7ns);
  EXPECT_EQ(parse_duration("2min"), 120s);
  EXPECT_EQ(parse_duration("1d"), 24h);
  EXPECT_EQ(parse_duration("1h 2m 3s"), 3723s);
}

TEST(Units, RejectsBadDurations) {
  for (const char* bad : {"", "s", "5x", "1.s", "-1s", "1s5", "5 5", "1e3s", "ms5", "99999999999999d"}) {
    EXPECT_THROW(parse_duration(bad), InvalidArgument) << "accepted '" << bad << "'";
  }
  try {
    parse_duration("5x");
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'5x'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("250ms"), std::string::npos);
  }
}

TEST(Units, FormatsForPeople) {
  EXPECT_EQ(format_size(17), "17 B");
  EXPECT_EQ(format_size(1536), "1.50 KiB");
  EXPECT_EQ(format_size(512ull << 20), "512 MiB");
  EXPECT_EQ(format_size(3ull << 29), "1.50 GiB");
  EXPECT_EQ(format_duration(250ms), "250.0ms");
  EXPECT_EQ(format_duration(2s), "2.00s");
  EXPECT_EQ(format_duration(125s), "2m05s");
}

}  // namespace
}  // namespace reins
