/**
 * Given names of people born in England and Wales, by sex and decade of birth, most popular
 * first (after the ONS baby-name tables and the 1911-1990s rankings reconstructed from the
 * GRO birth indexes). The generator weights them by rank, so a 1930s girl is most often
 * Margaret or Jean and a 2010s boy Oliver or Jack, as a real registry would show.
 */

/** The sex a given-name table is for. */
export type NameSex = 'male' | 'female';

/** First decade with its own list; earlier births use it too. */
export const FIRST_DECADE = 1910;
/** Last decade with its own list; later births use it too. */
export const LAST_DECADE = 2020;

const MALE: Record<number, readonly string[]> = {
  1910: ['John', 'William', 'George', 'Thomas', 'James', 'Arthur', 'Frederick', 'Albert', 'Charles', 'Robert', 'Joseph', 'Alfred', 'Henry', 'Ernest', 'Harold', 'Edward', 'Walter', 'Frank', 'Herbert', 'Sidney', 'Percy', 'Reginald', 'Leonard', 'Harry', 'Wilfred', 'Horace'],
  1920: ['John', 'William', 'George', 'James', 'Thomas', 'Ronald', 'Kenneth', 'Robert', 'Arthur', 'Frederick', 'Albert', 'Dennis', 'Leslie', 'Charles', 'Stanley', 'Eric', 'Harold', 'Jack', 'Frank', 'Peter', 'Raymond', 'Cyril', 'Douglas', 'Joseph', 'Norman', 'Edward'],
  1930: ['John', 'Peter', 'William', 'Brian', 'David', 'James', 'Michael', 'Ronald', 'Kenneth', 'George', 'Robert', 'Dennis', 'Thomas', 'Roy', 'Donald', 'Raymond', 'Derek', 'Anthony', 'Alan', 'Eric', 'Gordon', 'Norman', 'Stanley', 'Leslie', 'Bernard', 'Geoffrey'],
  1940: ['John', 'David', 'Michael', 'Peter', 'Robert', 'Anthony', 'Brian', 'Alan', 'William', 'James', 'Richard', 'Kenneth', 'Roger', 'Keith', 'Colin', 'Christopher', 'Raymond', 'Terence', 'Barry', 'Graham', 'Malcolm', 'Trevor', 'Geoffrey', 'Dennis', 'Derek'],
  1950: ['David', 'John', 'Stephen', 'Michael', 'Peter', 'Paul', 'Robert', 'Richard', 'Christopher', 'Alan', 'Ian', 'Andrew', 'Mark', 'Philip', 'Anthony', 'Keith', 'Gary', 'Kevin', 'Martin', 'Graham', 'Nigel', 'Colin', 'Steven', 'Trevor', 'Stuart'],
  1960: ['David', 'Paul', 'Andrew', 'Mark', 'John', 'Michael', 'Stephen', 'Ian', 'Robert', 'Richard', 'Christopher', 'Peter', 'Simon', 'Anthony', 'Kevin', 'Gary', 'Steven', 'Martin', 'James', 'Philip', 'Darren', 'Neil', 'Jonathan', 'Nicholas', 'Timothy'],
  1970: ['Paul', 'Mark', 'David', 'Andrew', 'Richard', 'Christopher', 'James', 'Simon', 'Michael', 'Matthew', 'Stephen', 'Lee', 'John', 'Robert', 'Darren', 'Daniel', 'Steven', 'Jason', 'Nicholas', 'Jonathan', 'Ian', 'Neil', 'Craig', 'Adam', 'Wayne'],
  1980: ['Christopher', 'James', 'David', 'Daniel', 'Michael', 'Matthew', 'Andrew', 'Richard', 'Paul', 'Mark', 'Thomas', 'Adam', 'Robert', 'John', 'Lee', 'Benjamin', 'Steven', 'Jonathan', 'Craig', 'Stephen', 'Simon', 'Nicholas', 'Peter', 'Anthony', 'Scott'],
  1990: ['Daniel', 'Thomas', 'James', 'Matthew', 'Christopher', 'Joshua', 'Michael', 'Luke', 'Ryan', 'Adam', 'Samuel', 'Jack', 'Benjamin', 'David', 'Andrew', 'Jordan', 'Liam', 'Craig', 'Nathan', 'Robert', 'Callum', 'Alexander', 'Jake', 'Lewis', 'Aaron'],
  2000: ['Jack', 'Thomas', 'Joshua', 'James', 'Daniel', 'Samuel', 'Oliver', 'William', 'Benjamin', 'Joseph', 'Harry', 'Matthew', 'Lewis', 'Ethan', 'Luke', 'Charlie', 'George', 'Callum', 'Alexander', 'Ryan', 'Jake', 'Dylan', 'Adam', 'Max', 'Kieran'],
  2010: ['Oliver', 'Jack', 'Harry', 'Jacob', 'Charlie', 'Thomas', 'George', 'Oscar', 'James', 'William', 'Noah', 'Alfie', 'Joshua', 'Henry', 'Leo', 'Archie', 'Ethan', 'Joseph', 'Freddie', 'Samuel', 'Alexander', 'Logan', 'Daniel', 'Isaac', 'Max'],
  2020: ['Noah', 'Oliver', 'George', 'Arthur', 'Leo', 'Harry', 'Oscar', 'Archie', 'Henry', 'Theodore', 'Freddie', 'Jack', 'Charlie', 'Theo', 'Alfie', 'Jacob', 'Thomas', 'Finley', 'Arlo', 'Lucas', 'Tommy', 'Albie', 'Edward', 'Teddy', 'Reggie'],
};

const FEMALE: Record<number, readonly string[]> = {
  1910: ['Mary', 'Margaret', 'Doris', 'Dorothy', 'Kathleen', 'Elizabeth', 'Florence', 'Edith', 'Winifred', 'Elsie', 'Ivy', 'Lilian', 'Gladys', 'Annie', 'Hilda', 'Ethel', 'Violet', 'Alice', 'Nellie', 'Phyllis', 'Edna', 'Mabel', 'Ada', 'Evelyn', 'Gertrude', 'Beatrice'],
  1920: ['Joan', 'Mary', 'Margaret', 'Doris', 'Dorothy', 'Kathleen', 'Irene', 'Betty', 'Eileen', 'Joyce', 'Elizabeth', 'Marjorie', 'Vera', 'Jean', 'Lilian', 'Florence', 'Winifred', 'Edna', 'Barbara', 'Phyllis', 'Gladys', 'Ivy', 'Olive', 'Peggy', 'Evelyn', 'Hilda'],
  1930: ['Margaret', 'Jean', 'Mary', 'Joan', 'Patricia', 'Sheila', 'Barbara', 'Doreen', 'June', 'Shirley', 'Joyce', 'Betty', 'Dorothy', 'Sylvia', 'Audrey', 'Eileen', 'Brenda', 'Kathleen', 'Pamela', 'Maureen', 'Irene', 'Elizabeth', 'Valerie', 'Iris', 'Marion', 'Beryl'],
  1940: ['Margaret', 'Patricia', 'Christine', 'Mary', 'Jean', 'Ann', 'Susan', 'Janet', 'Maureen', 'Barbara', 'Elizabeth', 'Pauline', 'Carol', 'Linda', 'Valerie', 'Sheila', 'Brenda', 'Sandra', 'Jennifer', 'Kathleen', 'Gillian', 'Eileen', 'Jacqueline', 'Marilyn', 'Rosemary'],
  1950: ['Susan', 'Linda', 'Christine', 'Margaret', 'Janet', 'Patricia', 'Carol', 'Elizabeth', 'Mary', 'Anne', 'Ann', 'Jane', 'Jacqueline', 'Barbara', 'Sandra', 'Gillian', 'Pauline', 'Elaine', 'Lesley', 'Angela', 'Pamela', 'Helen', 'Julie', 'Kathleen', 'Catherine'],
  1960: ['Susan', 'Julie', 'Karen', 'Jacqueline', 'Deborah', 'Tracey', 'Jane', 'Helen', 'Diane', 'Sharon', 'Alison', 'Elizabeth', 'Amanda', 'Sarah', 'Nicola', 'Carol', 'Lisa', 'Joanne', 'Angela', 'Wendy', 'Caroline', 'Mandy', 'Dawn', 'Michelle', 'Beverley'],
  1970: ['Sarah', 'Claire', 'Nicola', 'Emma', 'Lisa', 'Joanne', 'Michelle', 'Helen', 'Samantha', 'Karen', 'Amanda', 'Rachel', 'Louise', 'Julie', 'Clare', 'Rebecca', 'Sharon', 'Victoria', 'Caroline', 'Kelly', 'Tracey', 'Donna', 'Natalie', 'Catherine', 'Kerry'],
  1980: ['Sarah', 'Laura', 'Gemma', 'Emma', 'Rebecca', 'Claire', 'Victoria', 'Samantha', 'Rachel', 'Amy', 'Jennifer', 'Nicola', 'Katie', 'Lisa', 'Kelly', 'Natalie', 'Louise', 'Michelle', 'Hayley', 'Hannah', 'Stacey', 'Charlotte', 'Kirsty', 'Catherine', 'Lindsey'],
  1990: ['Rebecca', 'Lauren', 'Jessica', 'Charlotte', 'Hannah', 'Sophie', 'Amy', 'Emily', 'Laura', 'Emma', 'Chloe', 'Sarah', 'Lucy', 'Katie', 'Bethany', 'Danielle', 'Megan', 'Jade', 'Shannon', 'Natasha', 'Stephanie', 'Gemma', 'Samantha', 'Georgia', 'Abigail'],
  2000: ['Emily', 'Chloe', 'Megan', 'Jessica', 'Sophie', 'Charlotte', 'Hannah', 'Lauren', 'Olivia', 'Ellie', 'Lucy', 'Amy', 'Grace', 'Katie', 'Holly', 'Georgia', 'Bethany', 'Ella', 'Molly', 'Emma', 'Rebecca', 'Abigail', 'Mia', 'Amelia', 'Jasmine'],
  2010: ['Amelia', 'Olivia', 'Emily', 'Isla', 'Ava', 'Jessica', 'Isabella', 'Lily', 'Ella', 'Mia', 'Sophia', 'Poppy', 'Grace', 'Sophie', 'Evie', 'Isabelle', 'Freya', 'Charlotte', 'Chloe', 'Daisy', 'Florence', 'Alice', 'Phoebe', 'Ruby', 'Matilda'],
  2020: ['Olivia', 'Amelia', 'Isla', 'Ava', 'Lily', 'Freya', 'Ivy', 'Florence', 'Willow', 'Isabella', 'Mia', 'Grace', 'Sophia', 'Elsie', 'Evie', 'Rosie', 'Ella', 'Poppy', 'Daisy', 'Sienna', 'Harper', 'Bonnie', 'Maya', 'Margot', 'Hallie'],
};

/**
 * Less common names of every era, drawn for a share of people whatever their decade: the top-25
 * lists alone would make a third of a cohort's women Margaret, Mary or Jean, and real cohorts
 * have long tails (the 1940s' top name was about 5% of its births).
 */
const MALE_POOL: readonly string[] = [
  'Adrian', 'Alastair', 'Alec', 'Allan', 'Ambrose', 'Angus', 'Ashley', 'Austin', 'Barnaby', 'Basil', 'Bertram', 'Bradley', 'Brendan', 'Bruce',
  'Byron', 'Calvin', 'Cameron', 'Carl', 'Cecil', 'Clifford', 'Clive', 'Conor', 'Cornelius', 'Curtis', 'Dale', 'Damian', 'Dean', 'Declan',
  'Desmond', 'Dominic', 'Duncan', 'Edgar', 'Edmund', 'Elliot', 'Evan', 'Felix', 'Fergus', 'Gavin', 'Gerald', 'Gilbert', 'Glen', 'Glyn',
  'Godfrey', 'Gregory', 'Guy', 'Hamish', 'Harvey', 'Hector', 'Howard', 'Hugh', 'Hugo', 'Ivan', 'Ivor', 'Jeremy', 'Jerome', 'Joel', 'Julian',
  'Justin', 'Karl', 'Laurence', 'Lawrence', 'Leon', 'Lionel', 'Lloyd', 'Louis', 'Marcus', 'Maurice', 'Melvin', 'Miles', 'Morgan', 'Murray',
  'Nathaniel', 'Neville', 'Niall', 'Noel', 'Oswald', 'Owen', 'Patrick', 'Quentin', 'Ralph', 'Randolph', 'Reuben', 'Rex', 'Rhys', 'Rodney',
  'Ross', 'Rowan', 'Rufus', 'Russell', 'Sebastian', 'Seth', 'Shane', 'Sean', 'Spencer', 'Toby', 'Tristan', 'Troy', 'Vernon', 'Victor',
  'Vincent', 'Warren', 'Wesley', 'Winston', 'Xavier', 'Zachary', 'Gareth', 'Dafydd', 'Rhodri', 'Alun', 'Emyr', 'Iain', 'Ewan', 'Lachlan',
  'Ronan', 'Aled', 'Gwyn', 'Huw', 'Archibald', 'Clarence', 'Dudley', 'Eugene', 'Francis', 'Gordon', 'Lewis', 'Martyn', 'Phillip', 'Stuart',
];
const FEMALE_POOL: readonly string[] = [
  'Adele', 'Agnes', 'Aileen', 'Alexandra', 'Alma', 'Amber', 'Andrea', 'Annette', 'Antonia', 'April', 'Arlene', 'Avril', 'Belinda',
  'Bernadette', 'Bridget', 'Bronwen', 'Camilla', 'Carla', 'Carmel', 'Cassandra', 'Cecilia', 'Celia', 'Charlene', 'Cheryl', 'Cindy', 'Clara',
  'Colette', 'Constance', 'Cora', 'Corinne', 'Cynthia', 'Daphne', 'Delia', 'Denise', 'Diana', 'Eleanor', 'Elspeth', 'Esther', 'Eunice',
  'Fiona', 'Frances', 'Georgina', 'Geraldine', 'Glenys', 'Gwen', 'Gwendoline', 'Hazel', 'Heather', 'Henrietta', 'Imogen', 'Ingrid', 'Isobel',
  'Jacinta', 'Janice', 'Jeanette', 'Jemma', 'Joanna', 'Jocelyn', 'Josephine', 'Judith', 'Justine', 'Kay', 'Leanne', 'Lorna', 'Lorraine',
  'Lucinda', 'Lydia', 'Lynne', 'Madeleine', 'Marian', 'Martha', 'Maxine', 'Melanie', 'Mildred', 'Miriam', 'Moira', 'Monica', 'Muriel', 'Myra',
  'Naomi', 'Nora', 'Norma', 'Olwen', 'Penelope', 'Philippa', 'Priscilla', 'Rhian', 'Rhona', 'Rita', 'Roberta', 'Rowena', 'Ruth', 'Sally',
  'Selina', 'Sonia', 'Stella', 'Sybil', 'Tamsin', 'Tanya', 'Teresa', 'Thelma', 'Una', 'Ursula', 'Vanessa', 'Veronica', 'Vivienne', 'Yvonne',
  'Zoe', 'Bethan', 'Sian', 'Catrin', 'Morag', 'Mairi', 'Niamh', 'Siobhan', 'Aoife', 'Dilys', 'Enid', 'Freda', 'Gillian', 'Hilary', 'Lesley',
];

/** Names of families with roots outside the British Isles, drawn at a low rate for births since 1950. */
const MALE_INTERNATIONAL: readonly string[] = ['Mohammed', 'Muhammad', 'Ahmed', 'Ali', 'Hassan', 'Imran', 'Tariq', 'Sanjay', 'Rajesh', 'Amit', 'Vikram', 'Arjun', 'Kwame', 'Chinedu', 'Oluwaseun', 'Piotr', 'Tomasz', 'Krzysztof', 'Andrei', 'Marco', 'Luca', 'Wei', 'Jun', 'Minh'];
const FEMALE_INTERNATIONAL: readonly string[] = ['Fatima', 'Aisha', 'Ayesha', 'Zainab', 'Maryam', 'Nadia', 'Priya', 'Anjali', 'Sunita', 'Kavita', 'Amara', 'Chiamaka', 'Folasade', 'Agnieszka', 'Katarzyna', 'Magdalena', 'Elena', 'Giulia', 'Mei', 'Li', 'Anh', 'Yasmin', 'Samira', 'Leila'];

/** The decade list a birth year falls in. */
export function decadeOf(year: number): number {
  return Math.min(LAST_DECADE, Math.max(FIRST_DECADE, Math.floor(year / 10) * 10));
}

/** Given names for a sex and decade of birth, most popular first. */
export function givenNamesFor(sex: NameSex, decade: number): readonly string[] {
  const table = sex === 'male' ? MALE : FEMALE;
  return table[decadeOf(decade)]!;
}

/** The all-era pool of less common names for a sex. */
export function poolNamesFor(sex: NameSex): readonly string[] {
  return sex === 'male' ? MALE_POOL : FEMALE_POOL;
}

/** The international list for a sex. */
export function internationalNamesFor(sex: NameSex): readonly string[] {
  return sex === 'male' ? MALE_INTERNATIONAL : FEMALE_INTERNATIONAL;
}

/** Every distinct given name in the tables, for tests and for the nickname coverage check. */
export function allGivenNames(): string[] {
  const names = new Set<string>();
  for (const table of [MALE, FEMALE]) for (const list of Object.values(table)) for (const n of list) names.add(n);
  for (const n of [...MALE_POOL, ...FEMALE_POOL, ...MALE_INTERNATIONAL, ...FEMALE_INTERNATIONAL]) names.add(n);
  return [...names];
}
