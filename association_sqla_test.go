package quarry_test

// Port of SQLAlchemy's test/orm/test_association.py::AssociationTest:
// items and keywords through the mapped association object
// KeywordAssociation (item_keywords, primary key item_id, keyword_id, and
// a data column), Item.keywords ordered by item_keywords.data with
// cascade "all, delete-orphan", KeywordAssociation.keyword lazy="joined".

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type AoSaItem struct {
	ItemID   int64
	Name     string
	Keywords []*AoSaKeywordAssoc
}

type AoSaItemTable struct {
	quarry.Entity[AoSaItem]
	ItemID   quarry.Column[int64]                    `quarry:"item_id,pk"`
	Name     quarry.Column[string]                   `quarry:"name,len=40"`
	Keywords quarry.Many[AoSaItem, AoSaKeywordAssoc] `quarry:"order=data,cascade=all,delete-orphan"`
}

type AoSaKeyword struct {
	KeywordID int64
	Name      string
}

type AoSaKeywordTable struct {
	quarry.Entity[AoSaKeyword]
	KeywordID quarry.Column[int64]  `quarry:"keyword_id,pk"`
	Name      quarry.Column[string] `quarry:"name,len=40"`
}

type AoSaKeywordAssoc struct {
	ItemID    int64
	KeywordID int64
	Data      string
	Keyword   *AoSaKeyword
}

type AoSaKeywordAssocTable struct {
	quarry.Entity[AoSaKeywordAssoc]
	ItemID    quarry.Column[int64]                      `quarry:"item_id,pk,fk=ao_sa_items.item_id"`
	KeywordID quarry.Column[int64]                      `quarry:"keyword_id,pk,fk=ao_sa_keywords.keyword_id"`
	Data      quarry.Column[string]                     `quarry:"data,len=40"`
	Keyword   quarry.One[AoSaKeywordAssoc, AoSaKeyword] `quarry:"lazy=joined"`
}

var (
	AoSaItems        = quarry.Table[AoSaItem, AoSaItemTable]("ao_sa_items")
	AoSaKeywords     = quarry.Table[AoSaKeyword, AoSaKeywordTable]("ao_sa_keywords")
	AoSaItemKeywords = quarry.Table[AoSaKeywordAssoc, AoSaKeywordAssocTable]("ao_sa_item_keywords")
)

func aoSaEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		if err := db.CreateAll(context.Background(), AoSaItems, AoSaKeywords, AoSaItemKeywords); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

func aoSaKA(kw *AoSaKeyword, data string) *AoSaKeywordAssoc {
	return &AoSaKeywordAssoc{Keyword: kw, Data: data}
}

// aoSaRepr is the __repr__ of the Python test: each item with its
// association objects and their keywords, with the keys.
func aoSaRepr(items []*AoSaItem) string {
	var out []string
	for _, it := range items {
		var kws []string
		for _, ka := range it.Keywords {
			kws = append(kws, fmt.Sprintf("KeywordAssociation itemid=%d keyword=Keyword id=%d name=%s data=%s", ka.ItemID, ka.Keyword.KeywordID, ka.Keyword.Name, ka.Data))
		}
		out = append(out, fmt.Sprintf("Item id=%d name=%s keywordassoc=[%s]", it.ItemID, it.Name, strings.Join(kws, ", ")))
	}
	return strings.Join(out, "; ")
}

// aoSaLoaded is sess.expunge_all(); sess.query(Item).all(), with the
// collection loaded (selectin here; SQLAlchemy's lazy load) and
// Keyword joined by its default.
func aoSaLoaded(t *testing.T, db *quarry.DB) string {
	t.Helper()
	items, err := quarry.Select(AoSaItems).OrderBy(AoSaItems.ItemID).Options(quarry.SelectIn(AoSaItems.Keywords)).
		All(context.Background(), relSession(t, db))
	if err != nil {
		t.Fatal(err)
	}
	return aoSaRepr(items)
}

func aoSaAssocCount(t *testing.T, db *quarry.DB) int64 { return count(t, db, AoSaItemKeywords) }

// test_association.py::AssociationTest::test_insert
func TestSA_AssociationTest_test_insert(t *testing.T) {
	aoSaEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		item1, item2 := &AoSaItem{Name: "item1"}, &AoSaItem{Name: "item2"}
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "blue"}, "blue_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "red"}, "red_assoc"))
		item2.Keywords = append(item2.Keywords, aoSaKA(&AoSaKeyword{Name: "green"}, "green_assoc"))
		is.NoErr(s.Add(item1, item2))
		is.NoErr(s.Flush(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO ao_sa_keywords (name) VALUES (?), (?), (?) RETURNING keyword_id",
			"INSERT INTO ao_sa_items (name) VALUES (?), (?) RETURNING item_id",
			"INSERT INTO ao_sa_item_keywords (item_id, keyword_id, data) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
		})
		saved := aoSaRepr([]*AoSaItem{item1, item2})
		is.NoErr(s.Commit(ctx))
		is.Equal(aoSaLoaded(t, db), saved)
		is.Equal(saved, "Item id=1 name=item1 keywordassoc=[KeywordAssociation itemid=1 keyword=Keyword id=1 name=blue data=blue_assoc, KeywordAssociation itemid=1 keyword=Keyword id=2 name=red data=red_assoc]; "+
			"Item id=2 name=item2 keywordassoc=[KeywordAssociation itemid=2 keyword=Keyword id=3 name=green data=green_assoc]")
	})
}

// test_association.py::AssociationTest::test_replace
func TestSA_AssociationTest_test_replace(t *testing.T) {
	aoSaEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		item1 := &AoSaItem{Name: "item1"}
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "blue"}, "blue_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "red"}, "red_assoc"))
		is.NoErr(s.Add(item1))
		is.NoErr(s.Flush(ctx))

		redKeyword := item1.Keywords[1].Keyword
		item1.Keywords = item1.Keywords[:1] // del item1.keywords[1]
		item1.Keywords = append(item1.Keywords, aoSaKA(redKeyword, "new_red_assoc"))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		// The new association object takes the row of the orphan (a
		// row switch): one UPDATE of its data.
		is.Equal(dml(log), []string{
			"UPDATE ao_sa_item_keywords SET data = ? WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
		})
		saved := aoSaRepr([]*AoSaItem{item1})
		is.NoErr(s.Commit(ctx))
		is.Equal(aoSaLoaded(t, db), saved)
		is.True(strings.Contains(saved, "name=red data=new_red_assoc"))
		is.Equal(aoSaAssocCount(t, db), int64(2))
	})
}

// test_association.py::AssociationTest::test_modify
func TestSA_AssociationTest_test_modify(t *testing.T) {
	aoSaEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		item1, item2 := &AoSaItem{Name: "item1"}, &AoSaItem{Name: "item2"}
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "blue"}, "blue_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "red"}, "red_assoc"))
		item2.Keywords = append(item2.Keywords, aoSaKA(&AoSaKeyword{Name: "green"}, "green_assoc"))
		is.NoErr(s.Add(item1, item2))
		is.NoErr(s.Flush(ctx))

		redKeyword := item1.Keywords[1].Keyword
		item1.Keywords = item1.Keywords[2:] // del item1.keywords[0] twice
		purple := &AoSaKeyword{Name: "purple"}
		item1.Keywords = append(item1.Keywords, aoSaKA(redKeyword, "new_red_assoc"))
		item2.Keywords = append(item2.Keywords, aoSaKA(purple, "purple_item2_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(purple, "purple_item1_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "yellow"}, "yellow_assoc"))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO ao_sa_keywords (name) VALUES (?), (?) RETURNING keyword_id",
			"UPDATE ao_sa_item_keywords SET data = ? WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
			"INSERT INTO ao_sa_item_keywords (item_id, keyword_id, data) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
			"DELETE FROM ao_sa_item_keywords WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
		})
		saved := aoSaRepr([]*AoSaItem{item1, item2})
		is.NoErr(s.Commit(ctx))
		is.Equal(aoSaLoaded(t, db), saved)
		is.Equal(saved, "Item id=1 name=item1 keywordassoc=[KeywordAssociation itemid=1 keyword=Keyword id=2 name=red data=new_red_assoc, "+
			"KeywordAssociation itemid=1 keyword=Keyword id=4 name=purple data=purple_item1_assoc, "+
			"KeywordAssociation itemid=1 keyword=Keyword id=5 name=yellow data=yellow_assoc]; "+
			"Item id=2 name=item2 keywordassoc=[KeywordAssociation itemid=2 keyword=Keyword id=3 name=green data=green_assoc, "+
			"KeywordAssociation itemid=2 keyword=Keyword id=4 name=purple data=purple_item2_assoc]")
	})
}

// test_association.py::AssociationTest::test_delete
func TestSA_AssociationTest_test_delete(t *testing.T) {
	aoSaEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		item1, item2 := &AoSaItem{Name: "item1"}, &AoSaItem{Name: "item2"}
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "blue"}, "blue_assoc"))
		item1.Keywords = append(item1.Keywords, aoSaKA(&AoSaKeyword{Name: "red"}, "red_assoc"))
		item2.Keywords = append(item2.Keywords, aoSaKA(&AoSaKeyword{Name: "green"}, "green_assoc"))
		is.NoErr(s.Add(item1, item2))
		is.NoErr(s.Flush(ctx))
		n, err := quarry.Select(AoSaItemKeywords).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(3))

		is.NoErr(s.Delete(item1, item2))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(dml(log), []string{
			// One DELETE per association row (a composite key), as
			// SQLAlchemy's executemany.
			"DELETE FROM ao_sa_item_keywords WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
			"DELETE FROM ao_sa_item_keywords WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
			"DELETE FROM ao_sa_item_keywords WHERE ao_sa_item_keywords.item_id = ? AND ao_sa_item_keywords.keyword_id = ?",
			"DELETE FROM ao_sa_items WHERE ao_sa_items.item_id IN (?, ?)",
		})
		n, err = quarry.Select(AoSaItemKeywords).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(0))
		is.NoErr(s.Commit(ctx))
		is.Equal(aoSaAssocCount(t, db), int64(0))
		is.Equal(count(t, db, AoSaKeywords), int64(3)) // keywords are not cascaded to
	})
}
