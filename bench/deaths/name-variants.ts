/**
 * How names really differ between a death registration and a health record: the informant gives
 * the name the person went by (Bill for William, Peggy for Margaret), and registrars and clerks
 * spell names the way they hear them (Steven for Stephen, Thomson for Thompson). Keys are the
 * formal names as the given-name and surname tables spell them.
 */

/** Familiar forms of given names, the informant's "known as". */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  // Male
  Aaron: ['Ron'], Adam: ['Ad'], Albert: ['Bert', 'Bertie', 'Al'], Albie: ['Alb'], Alexander: ['Alex', 'Sandy', 'Alec'], Alfred: ['Alf', 'Alfie', 'Fred'],
  Alfie: ['Alf'], Andrew: ['Andy', 'Drew'], Anthony: ['Tony'], Archie: ['Arch'], Arthur: ['Art', 'Artie'], Barry: ['Baz'], Benjamin: ['Ben', 'Benny'],
  Bernard: ['Bernie'], Brian: ['Bri'], Callum: ['Cal'], Charles: ['Charlie', 'Chas', 'Chuck'], Charlie: ['Chas'], Christopher: ['Chris', 'Kit'],
  Colin: ['Col'], Craig: ['Craigy'], Cyril: ['Cy'], Daniel: ['Dan', 'Danny'], Darren: ['Daz'], David: ['Dave', 'Davy'], Dennis: ['Den'],
  Derek: ['Del'], Donald: ['Don', 'Donny'], Douglas: ['Doug', 'Dougie'], Edward: ['Ted', 'Eddie', 'Ned'], Eric: ['Rick'], Ethan: ['Eth'],
  Finley: ['Finn'], Francis: ['Frank'], Frank: ['Frankie'], Frederick: ['Fred', 'Freddie'], Freddie: ['Fred'], Gary: ['Gaz'],
  Geoffrey: ['Geoff'], George: ['Georgie'], Gordon: ['Gordy'], Graham: ['Gray'], Harold: ['Harry', 'Hal'], Harry: ['Hal'], Henry: ['Harry', 'Hal'],
  Herbert: ['Herb', 'Bert'], Horace: ['Horry'], Isaac: ['Ike', 'Zac'], Jacob: ['Jake'], Jack: ['Jackie'], James: ['Jim', 'Jimmy', 'Jamie'],
  Jason: ['Jase'], John: ['Jack', 'Johnny'], Jonathan: ['Jon', 'Jonny'], Jordan: ['Jord'], Joseph: ['Joe', 'Joey'], Joshua: ['Josh'],
  Keith: ['Keefy'], Kenneth: ['Ken', 'Kenny'], Kevin: ['Kev'], Kieran: ['Kier'], Lee: ['Leeroy'], Leo: ['Lee'], Leonard: ['Len', 'Lenny'], Leslie: ['Les'],
  Lewis: ['Lew'], Liam: ['Li'], Logan: ['Lo'], Lucas: ['Luke'], Luke: ['Lukey'], Malcolm: ['Mal'], Mark: ['Marky'], Martin: ['Marty'],
  Matthew: ['Matt', 'Matty'], Max: ['Maxie'], Michael: ['Mike', 'Mick', 'Mickey'], Nathan: ['Nate', 'Nat'], Neil: ['Neily'], Nicholas: ['Nick', 'Nicky'],
  Nigel: ['Nige'], Noah: ['No'], Norman: ['Norm'], Oliver: ['Ollie', 'Olly'], Oscar: ['Ossie'], Paul: ['Pauly'], Percy: ['Perce'], Peter: ['Pete'],
  Philip: ['Phil'], Raymond: ['Ray'], Reginald: ['Reg', 'Reggie'], Richard: ['Dick', 'Rick', 'Richie'], Robert: ['Bob', 'Bobby', 'Rob', 'Bert'],
  Roger: ['Rog'], Ronald: ['Ron', 'Ronnie'], Roy: ['Royston'], Ryan: ['Ry'], Samuel: ['Sam', 'Sammy'], Scott: ['Scotty'], Sidney: ['Sid'],
  Simon: ['Si'], Stanley: ['Stan'], Stephen: ['Steve', 'Stevie'], Steven: ['Steve', 'Stevie'], Stuart: ['Stu'], Terence: ['Terry', 'Tel'],
  Theodore: ['Theo', 'Ted', 'Teddy'], Theo: ['Ted'], Thomas: ['Tom', 'Tommy'], Timothy: ['Tim', 'Timmy'], Tommy: ['Tom'], Trevor: ['Trev'],
  Walter: ['Wally', 'Walt'], Wayne: ['Wayno'], Wilfred: ['Wilf', 'Fred'], William: ['Bill', 'Billy', 'Will', 'Willie'],
  Alastair: ['Ali'], Barnaby: ['Barney'], Basil: ['Baz'], Bertram: ['Bert'], Bradley: ['Brad'], Cameron: ['Cam'], Clifford: ['Cliff'],
  Cornelius: ['Neil'], Desmond: ['Des'], Dominic: ['Dom'], Edmund: ['Ed', 'Ted'], Gerald: ['Gerry'], Gregory: ['Greg'], Harvey: ['Harv'],
  Howard: ['Howie'], Jeremy: ['Jerry'], Jerome: ['Jerry'], Julian: ['Jules'], Laurence: ['Laurie', 'Larry'], Lawrence: ['Laurie', 'Larry'],
  Maurice: ['Mo'], Nathaniel: ['Nat', 'Nathan'], Patrick: ['Pat', 'Paddy'], Randolph: ['Randy'], Rodney: ['Rod'], Russell: ['Russ'],
  Sebastian: ['Seb'], Victor: ['Vic'], Vincent: ['Vince'], Winston: ['Win'], Zachary: ['Zac'], Archibald: ['Archie', 'Baldy'],
  Clarence: ['Clarrie'], Phillip: ['Phil'], Dafydd: ['Dai'],
  Mohammed: ['Mo'], Muhammad: ['Mo'], Ahmed: ['Ahmad'], Piotr: ['Peter'], Tomasz: ['Tom'], Krzysztof: ['Chris'], Andrei: ['Andy'],
  // Female
  Abigail: ['Abby', 'Abi', 'Gail'], Ada: ['Addie'], Alice: ['Ali', 'Allie'], Alison: ['Ali'], Amanda: ['Mandy', 'Manda'], Amelia: ['Millie', 'Amy'],
  Amy: ['Ames'], Angela: ['Angie'], Ann: ['Annie', 'Nan'], Anne: ['Annie', 'Nan'], Annie: ['Nan'], Audrey: ['Aud'], Barbara: ['Babs', 'Barb'],
  Beatrice: ['Bea', 'Trixie'], Beryl: ['Berry'], Betty: ['Bet'], Bethany: ['Beth'], Beverley: ['Bev'], Brenda: ['Bren'], Carol: ['Caz'],
  Caroline: ['Carrie', 'Caro'], Catherine: ['Kate', 'Cathy', 'Kath', 'Kitty'], Charlotte: ['Lottie', 'Charlie'], Chloe: ['Clo'],
  Christine: ['Chris', 'Chrissie', 'Tina'], Claire: ['Clairey'], Clare: ['Clarey'], Danielle: ['Dani'], Dawn: ['Dawnie'], Deborah: ['Debbie', 'Deb', 'Debs'],
  Diane: ['Di'], Donna: ['Don'], Doreen: ['Dor'], Doris: ['Dot', 'Dolly'], Dorothy: ['Dot', 'Dolly', 'Dottie'], Edith: ['Edie'], Edna: ['Ed'],
  Eileen: ['Ei'], Elaine: ['Lainey'], Elizabeth: ['Liz', 'Beth', 'Betty', 'Lizzie', 'Bessie'], Ella: ['Ellie'], Ellie: ['Ell'], Elsie: ['Els'],
  Emily: ['Em', 'Emmy'], Emma: ['Em'], Ethel: ['Eth'], Evelyn: ['Evie', 'Eve'], Evie: ['Eve'], Florence: ['Flo', 'Florrie'], Freya: ['Frey'],
  Gemma: ['Gem'], Georgia: ['George'], Gertrude: ['Gertie', 'Trudy'], Gillian: ['Gill', 'Jill'], Gladys: ['Glad'], Grace: ['Gracie'],
  Hannah: ['Han'], Hayley: ['Hayles'], Helen: ['Nell', 'Nellie'], Hilda: ['Hil'], Holly: ['Hols'], Irene: ['Rene'], Isabella: ['Bella', 'Izzy'],
  Isabelle: ['Izzy', 'Belle'], Isla: ['Izzy'], Ivy: ['Ives'], Jacqueline: ['Jackie', 'Jacqui'], Jane: ['Janey'], Janet: ['Jan'], Jean: ['Jeanie'],
  Jennifer: ['Jenny', 'Jen'], Jessica: ['Jess', 'Jessie'], Joan: ['Joanie'], Joanne: ['Jo'], Joyce: ['Joy'], Julie: ['Jules'], June: ['Junie'],
  Karen: ['Kaz'], Kathleen: ['Kath', 'Kathy', 'Kay'], Katie: ['Kate'], Kelly: ['Kel'], Kerry: ['Kez'], Kirsty: ['Kirst'], Laura: ['Laurie'],
  Lauren: ['Laurie'], Lesley: ['Les'], Lilian: ['Lily', 'Lil'], Lily: ['Lil'], Linda: ['Lin', 'Lindy'], Lindsey: ['Linz'], Lisa: ['Lise'],
  Louise: ['Lou'], Lucy: ['Lu'], Mabel: ['May'], Mandy: ['Mand'], Margaret: ['Peggy', 'Maggie', 'Meg', 'Madge', 'Rita'], Marilyn: ['Lyn'],
  Marion: ['Mari'], Marjorie: ['Marge', 'Margie'], Mary: ['Molly', 'Polly', 'May'], Matilda: ['Tilly', 'Tilda'], Maureen: ['Mo'],
  Megan: ['Meg'], Mia: ['Mimi'], Michelle: ['Shelley', 'Shell'], Molly: ['Moll'], Natalie: ['Nat'], Natasha: ['Tash', 'Tasha'], Nellie: ['Nell'],
  Nicola: ['Nicky', 'Nic'], Olive: ['Ollie'], Olivia: ['Liv', 'Livvy'], Pamela: ['Pam'], Patricia: ['Pat', 'Patsy', 'Trish', 'Tricia'],
  Pauline: ['Pauly'], Peggy: ['Peg'], Phoebe: ['Phoebs'], Phyllis: ['Phyl'], Poppy: ['Pops'], Rachel: ['Rach'], Rebecca: ['Becky', 'Becca', 'Bex'],
  Rosemary: ['Rose', 'Rosie'], Ruby: ['Rubes'], Samantha: ['Sam', 'Sammy'], Sandra: ['Sandy', 'San'], Sarah: ['Sally', 'Sadie'], Shannon: ['Shan'],
  Sharon: ['Shaz'], Sheila: ['Sheil'], Shirley: ['Shirl'], Sophia: ['Sophie'], Sophie: ['Soph'], Stacey: ['Stace'], Stephanie: ['Steph'],
  Susan: ['Sue', 'Susie'], Sylvia: ['Syl'], Tracey: ['Trace'], Valerie: ['Val'], Vera: ['Vee'], Victoria: ['Vicky', 'Tori'], Violet: ['Vi'],
  Wendy: ['Wend'], Winifred: ['Win', 'Winnie'], Alexandra: ['Alex', 'Sandra', 'Lexi'], Bernadette: ['Bernie'], Constance: ['Connie'],
  Cynthia: ['Cindy'], Eleanor: ['Ellie', 'Nell'], Frances: ['Fran', 'Fanny'], Georgina: ['Gina'], Gwendoline: ['Gwen'], Henrietta: ['Hetty'],
  Josephine: ['Jo', 'Josie'], Judith: ['Judy'], Penelope: ['Penny'], Philippa: ['Pippa'], Teresa: ['Terri', 'Tess'], Veronica: ['Ronnie'],
  Roberta: ['Bobbie'], Vivienne: ['Viv'], Yvonne: ['Vonnie'], Mildred: ['Millie'], Madeleine: ['Maddie'],
  Hilary: ['Hil'], Frederica: ['Freddie'], Dilys: ['Dil'], Freda: ['Fred'], Martha: ['Mattie'], Cecilia: ['Cissy'], Antonia: ['Toni'], Fatima: ['Fati'], Katarzyna: ['Kasia', 'Kate'], Magdalena: ['Magda'], Agnieszka: ['Aga'],
};

/** Spellings a registrar or a clerk plausibly used instead of the name's own. */
export const GIVEN_MISSPELLINGS: Readonly<Record<string, readonly string[]>> = {
  Alan: ['Allan', 'Allen'], Ann: ['Anne'], Anne: ['Ann'], Brian: ['Bryan'], Carol: ['Carole'], Catherine: ['Katherine', 'Kathryn', 'Catharine'],
  Claire: ['Clare'], Clare: ['Claire'], Deborah: ['Debra', 'Debora'], Dennis: ['Denis'], Geoffrey: ['Jeffrey', 'Geoffery'], Gillian: ['Jillian'],
  Graham: ['Graeme', 'Grahame'], Isabelle: ['Isobel', 'Isabel'], Jacqueline: ['Jaqueline', 'Jacquelin'], Jeffrey: ['Geoffrey'], Lesley: ['Leslie'],
  Leslie: ['Lesley'], Lilian: ['Lillian'], Lindsey: ['Lindsay'], Louise: ['Louisa'], Marjorie: ['Margery'], Matthew: ['Mathew'], Neil: ['Neal'],
  Nicholas: ['Nicolas'], Philip: ['Phillip'], Rebecca: ['Rebekah'], Sarah: ['Sara'], Sidney: ['Sydney'], Stephen: ['Steven'], Steven: ['Stephen'],
  Stuart: ['Stewart'], Terence: ['Terrence'], Tracey: ['Tracy'], Valerie: ['Valery'], Mohammed: ['Muhammad', 'Mohammad'], Muhammad: ['Mohammed'],
  Jonathan: ['Johnathan'], Hayley: ['Haley'], Kirsty: ['Kirstie'], Natalie: ['Nathalie'], Shirley: ['Shirly'], Beverley: ['Beverly'],
  Irene: ['Irine'], Evelyn: ['Eveline'], Kerry: ['Kerrie'], Joanne: ['Joanna'], Danielle: ['Daniel'], Amelia: ['Emilia'],
};

/** Surname spellings that coexist and get swapped on forms. */
export const FAMILY_MISSPELLINGS: Readonly<Record<string, readonly string[]>> = {
  Thompson: ['Thomson', 'Tompson'], Thomson: ['Thompson'], Davies: ['Davis'], Davis: ['Davies'], Phillips: ['Philips'], Smith: ['Smyth', 'Smythe'],
  Clarke: ['Clark'], Clark: ['Clarke'], Matthews: ['Mathews'], Stephens: ['Stevens'], Stevens: ['Stephens'], Stephenson: ['Stevenson'],
  Stevenson: ['Stephenson'], Brown: ['Browne'], Green: ['Greene'], Cook: ['Cooke'], Cooke: ['Cook'], Reid: ['Reed', 'Read'], Reed: ['Reid'],
  Read: ['Reid'], Gray: ['Grey'], White: ['Whyte'], McDonald: ['Macdonald', 'MacDonald'], Macdonald: ['McDonald'], Mackenzie: ['McKenzie'],
  McKenzie: ['Mackenzie'], McKay: ['Mackay'], Mackay: ['McKay'], Lloyd: ['Loyd'], Hughes: ['Hewes'], Jeffery: ['Jeffrey'], Elliott: ['Elliot', 'Eliot'],
  Simmons: ['Symons', 'Simons'], Sinclair: ['St Clair'], Dickinson: ['Dickenson'], Gibson: ['Gibbson'], Nicholls: ['Nichols'], Nichols: ['Nicholls'],
  Parry: ['Perry'], Pearce: ['Pierce'], Pierce: ['Pearce'], Meredith: ['Meridith'], Fraser: ['Frazer'], Frazer: ['Fraser'], Sanders: ['Saunders'],
  Saunders: ['Sanders'], Wilkins: ['Wilkens'], Hodgson: ['Hodgeson'], Robson: ['Robeson'], Hewitt: ['Hewett'], Mellor: ['Meller'], Whittaker: ['Whitaker'],
  Whitaker: ['Whittaker'], Paterson: ['Patterson'], Patterson: ['Paterson'], Callaghan: ['Callahan'], Doherty: ['Docherty'], Rhodes: ['Rhoades'],
  Shepherd: ['Shephard', 'Sheppard'], Sheppard: ['Shepherd'], Ahmed: ['Ahmad'], Hussain: ['Hussein'], Chaudhry: ['Choudhury'], Choudhury: ['Chowdhury'],
};

const VOWELS = 'AEIOU';
const SOUND_ALIKE: ReadonlyArray<readonly [string, string]> = [
  ['PH', 'F'], ['CK', 'K'], ['EY', 'Y'], ['IE', 'Y'], ['OU', 'OW'], ['EE', 'EA'], ['TH', 'T'], ['LL', 'L'], ['NN', 'N'], ['SS', 'S'], ['TT', 'T'], ['MM', 'M'],
];

/**
 * A one-edit typo of a name, of the kinds clerks make: a sound-alike swap, a dropped or doubled
 * letter, two letters transposed, or a vowel written as another. `u` values in [0, 1) choose.
 * Keeps the first letter (errors at the start are rarer, and the result still looks like a name).
 */
export function typo(name: string, u1: number, u2: number): string {
  if (name.length < 3) return name + name.slice(-1).toLowerCase();
  const upper = name.toUpperCase();
  const sound = SOUND_ALIKE.find(([from]) => upper.indexOf(from, 1) > 0);
  const kind = Math.floor(u1 * (sound ? 5 : 4));
  const pos = 1 + Math.floor(u2 * (name.length - 1));
  switch (kind) {
    case 0: // drop a letter
      return name.slice(0, pos) + name.slice(pos + 1);
    case 1: // double a letter
      return name.slice(0, pos + 1) + name.charAt(pos).toLowerCase() + name.slice(pos + 1);
    case 2: {
      // transpose two letters (the pair at pos-1/pos when pos is the last letter)
      const at = Math.min(pos, name.length - 2);
      return name.slice(0, at) + name.charAt(at + 1) + name.charAt(at) + name.slice(at + 2);
    }
    case 3: {
      // a vowel for another; if there is no vowel after the first letter, drop a letter instead
      const vowels = [...name].map((c, i) => (i > 0 && VOWELS.includes(c.toUpperCase()) ? i : -1)).filter((i) => i > 0);
      if (vowels.length === 0) return name.slice(0, pos) + name.slice(pos + 1);
      const at = vowels[Math.floor(u2 * vowels.length)]!;
      const current = name.charAt(at).toUpperCase();
      const replacement = VOWELS[(VOWELS.indexOf(current) + 1 + Math.floor(u1 * 4)) % 5]!;
      return name.slice(0, at) + replacement.toLowerCase() + name.slice(at + 1);
    }
    default: {
      const [from, to] = sound!;
      const at = upper.indexOf(from, 1);
      const cased = name.charAt(at) === name.charAt(at).toUpperCase() ? to : to.toLowerCase();
      return name.slice(0, at) + cased + name.slice(at + from.length);
    }
  }
}
